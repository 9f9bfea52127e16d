import { CommandError, type Command } from './command.ts';

// PLACEHOLDER — replaced by the module that implements `terratower demo`.
const command: Command = async () => {
  throw new CommandError('terratower demo is not built yet');
};
export default command;
