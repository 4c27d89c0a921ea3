-- drizzle-kit leaves ON DELETE out of an added column's reference; added by hand, as in schema.ts.
ALTER TABLE `rooms` ADD `encoder_node_id` text REFERENCES nodes(id) ON DELETE set null;
