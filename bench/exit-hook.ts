/**
 * Loaded into the server with `--import` only when it is profiled: SIGUSR2 exits the process
 * normally, so `--cpu-prof` writes its profile (a signal death would lose it).
 */
process.once('SIGUSR2', () => process.exit(0));
