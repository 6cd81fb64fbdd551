export { Sandbox, defaultMode, type SandboxMode, type SandboxState, type UpOptions, type SandboxEnv } from './sandbox';
export { defaultSandboxDir, namespacePrefix } from './paths';
export { SCENARIOS, COEXISTING, scenarioByName, BROKEN_CONJ_OFFSET, brokenId } from './scenarios/index';
export type { Scenario, PacketSpec, Expectation } from './scenarios/index';
export { scenarioPackets, tcpdumpText, pcapFile, type ExamplePacket } from './packets';
export { traceExample, datapathPorts, type ToolVerdicts } from './verify';
export { run, CommandError } from './exec';
