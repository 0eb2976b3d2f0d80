/** A local stand-in for Slack: the Web API server, Block Kit checks and signed requests into a Bolt app. */
export * from './block-validation';
export * from './server';
export * from './signed-requests';
export type { FileState, MessageSource, MessageVersion, StandInChange, StandInChannel, StandInFile, StandInHomeView, StandInIdentity, StandInMessage, StoredBlock } from './workspace';
export { WORKSPACE_LIMITS } from './workspace';
