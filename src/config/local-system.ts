// The built-in `local` system: this machine, xpr's own local queue, one partition sized from the hardware.
// Read from `os` when called (never at import), so tests and long-running processes see the current machine.
import os from 'node:os';
import type { PartitionSpec, SystemConfig } from './types.ts';

// One partition named `local` covering this machine: all its cores and memory, no time limit.
export function localMachinePartition(): PartitionSpec {
  return {
    name: 'local',
    schedulerName: 'local',
    numCores: os.availableParallelism(),
    maxTimeS: null,
    maxMemKb: Math.floor(os.totalmem() / 1024),
    header: [],
  };
}

// The system `local` that exists when no config defines one: host null, scheduler local, no rundir.
export function defaultLocalSystem(): SystemConfig {
  return {
    name: 'local',
    host: null,
    scheduler: 'local',
    partitions: [localMachinePartition()],
    header: [],
    noDefaultHeader: false,
    scriptExec: '/bin/bash',
    preSubmitCmds: [],
    commands: [],
    rundir: null,
    remshCmd: null,
    nodeCmd: 'node',
  };
}
