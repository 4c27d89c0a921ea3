CREATE TABLE `chat_bans` (
	`id` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`subject` text NOT NULL,
	`until` integer,
	`reason` text DEFAULT '' NOT NULL,
	`by_account_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`lifted_at` integer
);
--> statement-breakpoint
CREATE INDEX `chat_bans_subject_idx` ON `chat_bans` (`subject`,`channel`);--> statement-breakpoint
CREATE TABLE `chat_channels` (
	`channel` text PRIMARY KEY NOT NULL,
	`last_seq` integer NOT NULL,
	`settings_json` text
);
--> statement-breakpoint
CREATE TABLE `chat_entries` (
	`channel` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`author_id` text,
	`author_name` text,
	`author_role` text,
	`text` text,
	`addr` text,
	`target` integer,
	`settings_json` text,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_entries_channel_seq` ON `chat_entries` (`channel`,`seq`);--> statement-breakpoint
CREATE INDEX `chat_entries_at_idx` ON `chat_entries` (`at`);--> statement-breakpoint
CREATE TABLE `chat_moderation_log` (
	`id` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`action` text NOT NULL,
	`by_account_id` text NOT NULL,
	`by_name` text NOT NULL,
	`subject` text,
	`detail` text DEFAULT '' NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chat_moderation_log_channel_idx` ON `chat_moderation_log` (`channel`,`at`);