import { library } from '../../vite.config.ts';

export default library(import.meta.url, { index: 'src/index.ts', 'protocol/index': 'src/protocol/index.ts' });
