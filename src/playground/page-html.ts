/**
 * The playground page's HTML. Kept as a string in a module (like page-css.ts) so it ships inside
 * the compiled code: tsc copies no other files into dist, and reading it from the source tree at
 * run time would break wherever dist travels without src. The script is the one exception, built
 * into dist by `npm run build` (see page-assets.ts).
 */

export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pymem playground</title>
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<div class="topbar">
  <div class="topbar-search" aria-hidden="true"><span class="search-icon"></span>Search pymem playground</div>
  <div class="topbar-note">Playground · a local stand-in for Slack</div>
</div>
<div class="layout">
  <aside class="sidebar" aria-label="Workspace">
    <div class="workspace">
      <div class="workspace-name">pymem playground</div>
      <div class="workspace-sub" id="source-note">loading…</div>
    </div>
    <nav>
      <div class="sidebar-title">Channels</div>
      <ul class="sidebar-list" id="channel-list"></ul>
      <div class="sidebar-title">Apps</div>
      <ul class="sidebar-list" id="app-list"></ul>
      <section class="demo-controls" id="demo-controls" aria-labelledby="demo-title" hidden>
        <div class="demo-title" id="demo-title">Demo controls <span class="demo-badge">playground only</span></div>
        <label class="demo-label" for="demo-service">Service</label>
        <select id="demo-service" class="me-select"></select>
        <button type="button" class="demo-button" id="demo-fix">Deploy a fix</button>
        <button type="button" class="demo-button" id="demo-skip">Skip ahead 30 min</button>
        <div class="demo-status" id="demo-status" aria-live="polite"></div>
      </section>
    </nav>
    <div class="me">
      <label class="me-label" for="user-picker">You are signed in as</label>
      <div class="me-row">
        <span class="avatar small" id="me-avatar"></span>
        <select id="user-picker" class="me-select"></select>
      </div>
      <div class="me-title" id="me-title"></div>
    </div>
  </aside>
  <main class="channel home-tab" id="home" aria-label="pymem Home" hidden>
    <header class="channel-header">
      <div class="channel-heading">
        <h1 class="channel-title"><span class="app-dot"></span> pymem</h1>
        <div class="home-tabs" role="tablist"><span class="home-tab-name" role="tab" aria-selected="true">Home</span></div>
      </div>
      <div class="channel-tools"><span class="home-note" id="home-note"></span></div>
    </header>
    <div class="home-blocks" id="home-blocks" aria-live="polite"></div>
  </main>
  <main class="channel" id="channel" aria-label="Channel">
    <header class="channel-header">
      <div class="channel-heading">
        <h1 class="channel-title" id="channel-title">#</h1>
        <div class="channel-topic" id="channel-topic"></div>
      </div>
      <div class="channel-tools">
        <span class="live" id="live" title="Updates arrive as the bot posts and edits messages">connecting…</span>
        <button type="button" class="tool-button" id="digest-now">Send digest now</button>
      </div>
    </header>
    <div class="messages" id="messages" role="log" aria-live="polite" aria-label="Messages"></div>
    <footer class="composer">
      <div class="suggestions" id="suggestions" role="listbox" hidden></div>
      <form id="composer-form" class="composer-box" autocomplete="off">
        <input id="composer" name="text" type="text" aria-label="Message" placeholder="Message" disabled>
        <div class="composer-bar">
          <span class="composer-hint">Type <b>/</b> for pymem commands</span>
          <button type="submit" class="send" id="send" aria-label="Send" disabled>Send</button>
        </div>
      </form>
      <div class="composer-foot"><b>Enter</b> to send · only <code>/pymem</code> commands reach the bot</div>
    </footer>
  </main>
</div>
<div class="toasts" id="toasts" role="status" aria-live="polite"></div>
</body>
</html>
`;
