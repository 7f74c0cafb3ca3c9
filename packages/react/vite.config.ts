import { library } from '../../vite.config.ts';

export default library(
  import.meta.url,
  { index: 'src/index.ts' },
  {
    build: {
      rolldownOptions: {
        // Each module is its own output file, so its 'use client' directive stays where Next.js looks for it;
        // the bundler's warning that a directive may not survive bundling does not apply.
        onLog(level, log, handler) {
          if (log.code !== 'MODULE_LEVEL_DIRECTIVE') handler(level, log);
        },
      },
    },
  },
);
