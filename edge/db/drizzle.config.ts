// drizzle-kit reads this to generate SQL migrations from schema.ts:
//   npm run db:generate
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'turso',
  schema: './edge/db/schema.ts',
  out: './edge/db/migrations',
});
