import { CommandError, type Command } from './command.ts';

// PLACEHOLDER — replaced by the module that implements `terratower synth`.
const command: Command = async () => {
  throw new CommandError('terratower synth is not built yet');
};
export default command;
