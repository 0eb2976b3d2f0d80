/** The bot scopes pymem asks for when a workspace installs it (OAuth mode); the same list as manifest.yml's. */
export const BOT_SCOPES: readonly string[] = ['commands', 'chat:write', 'chat:write.public', 'files:write', 'channels:read', 'groups:read', 'im:read', 'mpim:read'];
