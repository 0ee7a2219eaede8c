import { runSignerCli } from './signer.cli';

void runSignerCli(process.argv.slice(2), {
  stdin: process.stdin,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
