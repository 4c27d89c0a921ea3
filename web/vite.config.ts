// The viewers' pages: built by Vite (with Preact) into web/dist, which the edge serves.
// Hashed file names under /assets/ let the edge cache them for good; the HTML is not cached.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [preact()],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    // One page per entry; the player (and hls.js in it) becomes a chunk watch and embed share.
    rollupOptions: {
      input: {
        rooms: here('index.html'),
        watch: here('watch.html'),
        embed: here('embed.html'),
        crew: here('crew.html'),
        account: here('account.html'),
        control: here('control.html'),
      },
    },
  },
});
