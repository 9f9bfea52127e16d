import { CommandError, type Command } from './command.ts';

// PLACEHOLDER — replaced by the module that implements `terratower scenario`.
const command: Command = async () => {
  throw new CommandError('terratower scenario is not built yet');
};
export default command;
