CREATE TABLE `auth_credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_account_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`account_id` text NOT NULL,
	`access_token` text,
	`refresh_token` text,
	`id_token` text,
	`access_token_expires_at` integer,
	`refresh_token_expires_at` integer,
	`scope` text,
	`password` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `auth_credentials_account_idx` ON `auth_credentials` (`account_id`);--> statement-breakpoint
CREATE TABLE `auth_verifications` (
	`id` text PRIMARY KEY NOT NULL,
	`identifier` text NOT NULL,
	`value` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer,
	`updated_at` integer
);
--> statement-breakpoint
CREATE INDEX `auth_verifications_identifier_idx` ON `auth_verifications` (`identifier`);--> statement-breakpoint
CREATE TABLE `web_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`token` text NOT NULL,
	`account_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`ip_address` text,
	`user_agent` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `web_sessions_token_unique` ON `web_sessions` (`token`);--> statement-breakpoint
CREATE INDEX `web_sessions_account_idx` ON `web_sessions` (`account_id`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `email_verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `image` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `streamer_state` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `streamer_room_id` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `streamer_room_title` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `plan` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `updated_at` integer;--> statement-breakpoint
-- Accounts made before better-auth: passwords move to its credential rows (same PBKDF2
-- format, which the edge still verifies), accounts an admin made count as verified, and
-- the room owner role is the streamer role now.
INSERT INTO `auth_credentials` (`id`, `provider_account_id`, `provider_id`, `account_id`, `password`, `created_at`, `updated_at`)
  SELECT 'cred_' || `id`, `id`, 'credential', `id`, `password_hash`, `created_at`, `created_at`
  FROM `accounts` WHERE `password_hash` IS NOT NULL;--> statement-breakpoint
UPDATE `accounts` SET `email_verified` = true, `updated_at` = `created_at`;--> statement-breakpoint
UPDATE `accounts` SET `role` = 'streamer', `streamer_state` = 'approved' WHERE `role` = 'owner';
