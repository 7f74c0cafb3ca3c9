import { library } from '../../vite.config.ts';

export default library(import.meta.url, { index: 'src/index.ts', define: 'src/define.ts' });
