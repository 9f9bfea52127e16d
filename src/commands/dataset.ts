import { CommandError, type Command } from './command.ts';

// PLACEHOLDER — replaced by the module that implements `terratower dataset`.
const command: Command = async () => {
  throw new CommandError('terratower dataset is not built yet');
};
export default command;
