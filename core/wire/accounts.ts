// What the account pages and the edge agree on about accounts.

/** Shortest password the edge takes (better-auth's minPasswordLength), longest too. */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
