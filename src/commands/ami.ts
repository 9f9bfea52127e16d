import { CommandError, type Command } from './command.ts';

// PLACEHOLDER — replaced by the module that implements `terratower ami`.
const command: Command = async () => {
  throw new CommandError('terratower ami is not built yet');
};
export default command;
