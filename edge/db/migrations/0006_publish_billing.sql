ALTER TABLE `publish_sessions` ADD `end_detail` text;--> statement-breakpoint
ALTER TABLE `publish_sessions` ADD `renditions` integer;