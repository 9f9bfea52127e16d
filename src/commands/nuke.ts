import { CommandError, type Command } from './command.ts';

// PLACEHOLDER — replaced by the module that implements `terratower nuke`.
const command: Command = async () => {
  throw new CommandError('terratower nuke is not built yet');
};
export default command;
