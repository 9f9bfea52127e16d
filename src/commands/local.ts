import { CommandError, type Command } from './command.ts';

// PLACEHOLDER — replaced by the module that implements `terratower local`.
const command: Command = async () => {
  throw new CommandError('terratower local is not built yet');
};
export default command;
