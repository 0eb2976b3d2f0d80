/** The playground page's style sheet, served as /page.css; see page-html.ts for why it is a string here. */

export const PAGE_CSS = String.raw`
:root {
  --aubergine: #3f0e40;
  --aubergine-dark: #350d36;
  --sidebar-text: #cfc3cf;
  --active: #1164a3;
  --text: #1d1c1d;
  --muted: #616061;
  --faint: rgba(29, 28, 29, 0.13);
  --line: #dddddd;
  --link: #1264a3;
  --green: #007a5a;
  --hover: #f8f8f8;
  --font: Lato, "Slack-Lato", "Helvetica Neue", Helvetica, "Segoe UI", Arial, "DejaVu Sans", sans-serif;
  --mono: Monaco, Menlo, Consolas, "Courier New", "DejaVu Sans Mono", monospace;
  --sidebar-width: 260px;
  --topbar: 40px;
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body {
  font: 15px/1.46668 var(--font);
  color: var(--text);
  background: #fff;
  -webkit-font-smoothing: antialiased;
}
button, input, select { font: inherit; color: inherit; }
b, strong { font-weight: 700; }

/* ---- frame ------------------------------------------------------------------------------ */
.topbar {
  position: sticky; top: 0; z-index: 20;
  height: var(--topbar);
  display: flex; align-items: center; justify-content: center; gap: 16px;
  background: var(--aubergine-dark);
  color: #fff;
}
.topbar-search {
  width: min(640px, 50vw); height: 26px; border-radius: 6px;
  display: flex; align-items: center; gap: 8px; padding: 0 10px;
  background: rgba(255, 255, 255, 0.2); color: rgba(255, 255, 255, 0.8); font-size: 13px;
}
.search-icon { width: 11px; height: 11px; border: 2px solid rgba(255, 255, 255, 0.8); border-radius: 50%; position: relative; }
.search-icon::after { content: ""; position: absolute; width: 2px; height: 6px; background: rgba(255, 255, 255, 0.8); right: -4px; bottom: -5px; transform: rotate(-45deg); }
.topbar-note { position: absolute; right: 16px; font-size: 12px; color: rgba(255, 255, 255, 0.65); }
.layout {
  display: grid; grid-template-columns: var(--sidebar-width) minmax(0, 1fr);
  min-height: calc(100vh - var(--topbar));
  /* The sidebar colour runs the whole height, however long the channel gets. */
  background: linear-gradient(to right, var(--aubergine) var(--sidebar-width), #fff var(--sidebar-width));
}

/* ---- sidebar ---------------------------------------------------------------------------- */
.sidebar {
  position: sticky; top: var(--topbar); align-self: start;
  height: calc(100vh - var(--topbar)); overflow-y: auto;
  display: flex; flex-direction: column;
  color: var(--sidebar-text);
  border-right: 1px solid rgba(255, 255, 255, 0.08);
}
.workspace { padding: 12px 16px 14px; border-bottom: 1px solid rgba(255, 255, 255, 0.1); }
.workspace-name { color: #fff; font-weight: 900; font-size: 18px; line-height: 1.2; }
.workspace-sub { font-size: 12px; margin-top: 2px; color: rgba(255, 255, 255, 0.6); }
.sidebar-title { padding: 16px 16px 4px 26px; font-size: 15px; color: var(--sidebar-text); }
.sidebar-list { list-style: none; margin: 0; padding: 0; }
.sidebar-item {
  display: flex; align-items: center; gap: 8px; width: calc(100% - 16px); margin: 0 8px; height: 28px;
  padding: 0 16px 0 18px; border: 0; border-radius: 6px; background: none; color: var(--sidebar-text);
  font-size: 15px; text-align: left; cursor: pointer;
}
.sidebar-item:hover { background: rgba(0, 0, 0, 0.2); }
.sidebar-item.active { background: var(--active); color: #fff; }
.sidebar-item.unread { color: #fff; font-weight: 900; }
.sidebar-item.static { cursor: default; }
.sidebar-item.static:hover { background: none; }
.hash { width: 14px; text-align: center; opacity: 0.8; }
.app-dot { width: 14px; height: 14px; border-radius: 4px; background: linear-gradient(135deg, #611f69, #e01e5a); display: inline-block; }
.demo-controls { margin: 18px 16px 8px; padding: 10px 12px; border: 1px dashed rgba(255, 255, 255, 0.35); border-radius: 8px; display: flex; flex-direction: column; gap: 6px; }
.demo-controls[hidden] { display: none; }
.demo-title { color: #fff; font-weight: 700; font-size: 14px; }
.demo-badge { font-size: 10px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; background: #e8912d; color: #1d1c1d; border-radius: 4px; padding: 1px 5px; margin-left: 4px; }
.demo-label { font-size: 12px; color: rgba(255, 255, 255, 0.65); }
.demo-button { height: 28px; border-radius: 6px; border: 1px solid rgba(255, 255, 255, 0.35); background: rgba(255, 255, 255, 0.08); color: #fff; font-size: 13px; cursor: pointer; }
.demo-button:hover { background: rgba(255, 255, 255, 0.18); }
.demo-button:disabled { opacity: 0.5; cursor: default; }
.demo-status { font-size: 12px; color: rgba(255, 255, 255, 0.75); line-height: 1.4; white-space: pre-line; }
.me { margin-top: auto; padding: 12px 16px 16px; border-top: 1px solid rgba(255, 255, 255, 0.1); }
.me-label { display: block; font-size: 12px; margin-bottom: 6px; color: rgba(255, 255, 255, 0.65); }
.me-row { display: flex; align-items: center; gap: 8px; }
.me-select {
  flex: 1; min-width: 0; height: 30px; border-radius: 6px; padding: 0 8px;
  border: 1px solid rgba(255, 255, 255, 0.25); background: rgba(0, 0, 0, 0.2); color: #fff; font-size: 14px;
}
.me-title { font-size: 12px; color: rgba(255, 255, 255, 0.6); margin: 6px 0 0 36px; }
.me-select option { color: var(--text); background: #fff; }

.layout > main[hidden] { display: none; }
.msg.highlight { background: #fff8dc; transition: background 0.6s; }
.home-blocks { padding: 16px 24px 32px; max-width: 880px; }
.home-blocks .block { margin-bottom: 8px; }
.home-tabs { display: flex; gap: 16px; margin-top: 2px; }
.home-tab-name { font-size: 13px; font-weight: 700; border-bottom: 2px solid var(--active); padding-bottom: 2px; }
.home-note { font-size: 12px; color: var(--muted); }
.home-empty { color: var(--muted); padding: 24px 0; }
.channel-title .app-dot { vertical-align: -1px; }

/* ---- channel ---------------------------------------------------------------------------- */
.channel { display: flex; flex-direction: column; min-width: 0; min-height: calc(100vh - var(--topbar)); background: #fff; }
.channel-header {
  position: sticky; top: var(--topbar); z-index: 10;
  display: flex; align-items: center; justify-content: space-between; gap: 16px;
  min-height: 49px; padding: 6px 20px; background: #fff; border-bottom: 1px solid var(--line);
}
.channel-title { margin: 0; font-size: 18px; font-weight: 900; line-height: 1.3; }
.channel-topic { font-size: 13px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.channel-heading { min-width: 0; }
.channel-tools { display: flex; align-items: center; gap: 12px; flex: none; }
.live { font-size: 12px; color: var(--muted); display: inline-flex; align-items: center; gap: 5px; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #bbb; }
.live.on::before { background: #2bac76; }
.live.off::before { background: #e8912d; }
.tool-button {
  height: 28px; padding: 0 12px; border-radius: 4px; border: 1px solid rgba(29, 28, 29, 0.3);
  background: #fff; font-size: 13px; font-weight: 700; cursor: pointer;
}
.tool-button:hover { background: var(--hover); box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08); }
.tool-button:disabled { color: var(--muted); cursor: progress; }

.messages { flex: 1; display: flex; flex-direction: column; justify-content: flex-end; padding: 8px 0 12px; }
.intro { padding: 24px 20px 12px; }
.intro-title { font-size: 22px; font-weight: 900; }
.intro-text { margin: 4px 0 0; color: var(--muted); }
.day-divider { position: relative; text-align: center; margin: 12px 0 4px; }
.day-divider::before { content: ""; position: absolute; left: 0; right: 0; top: 50%; border-top: 1px solid var(--line); }
.day-divider span {
  position: relative; display: inline-block; padding: 0 16px; height: 28px; line-height: 26px;
  border: 1px solid var(--line); border-radius: 24px; background: #fff; font-size: 13px; font-weight: 700;
}

/* ---- messages --------------------------------------------------------------------------- */
.msg {
  display: grid; grid-template-columns: 36px minmax(0, 1fr); column-gap: 8px;
  padding: 8px 20px; position: relative;
}
.msg:hover { background: var(--hover); }
.msg.compact { padding-top: 2px; padding-bottom: 2px; }
.msg.pending { opacity: 0.75; }
.msg-gutter { display: flex; justify-content: flex-end; }
.hover-time { visibility: hidden; font-size: 12px; color: var(--muted); line-height: 22px; white-space: nowrap; }
.msg:hover .hover-time { visibility: visible; }
.msg-main { min-width: 0; }
.msg-head { display: flex; align-items: baseline; gap: 6px; line-height: 1.38; }
.author { font-weight: 900; }
.app-badge {
  font-size: 10px; font-weight: 700; line-height: 1.4; padding: 0 3px; border-radius: 2px;
  color: var(--muted); background: var(--faint); letter-spacing: 0.02em;
}
.time { font-size: 12px; color: var(--muted); }
.avatar {
  width: 36px; height: 36px; border-radius: 6px; flex: none;
  display: inline-grid; place-items: center; color: #fff; font-weight: 700; font-size: 17px;
  background: #868686; overflow: hidden;
}
.avatar.small { width: 20px; height: 20px; border-radius: 4px; font-size: 11px; }
.avatar.bot { background: linear-gradient(135deg, #4a154b 0%, #7c3085 55%, #e01e5a 100%); }
.avatar.bot svg { width: 70%; height: 70%; }
.avatar.slackbot { background: #fff; border: 1px solid var(--faint); }
.avatar.slackbot .emoji { width: 70%; height: 70%; vertical-align: 0; }
.me .avatar.small { width: 28px; height: 28px; font-size: 14px; }

.msg.ephemeral { background: #fbfbfb; }
.msg.ephemeral:hover { background: #f5f5f5; }
.eph-icon { display: flex; justify-content: flex-end; color: var(--muted); }
.eph-icon svg { width: 14px; height: 14px; margin-top: 2px; }
.eph-note { font-size: 12px; color: var(--muted); display: flex; gap: 6px; align-items: center; margin-bottom: 2px; }
.linkish { border: 0; background: none; padding: 0; color: var(--link); font-size: 12px; cursor: pointer; }
.linkish::before { content: "·"; color: var(--muted); margin-right: 6px; }
.linkish:hover { text-decoration: underline; }

.thread-bar-row { padding: 0 20px 4px 64px; }
.thread-bar {
  display: inline-flex; align-items: center; gap: 6px; padding: 4px 8px 4px 4px;
  border: 1px solid transparent; border-radius: 6px; background: none; cursor: pointer; font-size: 13px;
}
.thread-bar:hover { border-color: var(--faint); background: #fff; }
.replies-count { color: var(--link); font-weight: 700; }
.replies-last { color: var(--muted); }
.thread { margin: 0 20px 8px 64px; border-left: 2px solid #e2e2e2; }
.thread .msg { padding-left: 14px; }

/* ---- Block Kit -------------------------------------------------------------------------- */
.msg-content { min-width: 0; }
.blocks { display: flex; flex-direction: column; gap: 4px; max-width: 760px; }
.block { margin: 2px 0; }
.b-text, .b-field, .b-context-text, .b-check-text, .b-header-text, .b-image-title { white-space: pre-wrap; overflow-wrap: anywhere; }
.b-header { margin: 4px 0 2px; }
.b-header-text { font-size: 18px; font-weight: 900; line-height: 1.33; }
.b-section { display: flex; align-items: flex-start; gap: 16px; }
.b-section-main { flex: 1; min-width: 0; }
.b-fields { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 16px; margin-top: 4px; }
.b-accessory { flex: none; padding-top: 1px; }
.b-context { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; font-size: 12px; line-height: 1.5; color: var(--muted); }
.b-context .emoji { width: 16px; height: 16px; vertical-align: -3px; }
.b-context .inline-code { font-size: 11px; }
.b-context-img { width: 16px; height: 16px; border-radius: 2px; }
.b-divider { border: 0; border-top: 1px solid var(--line); margin: 8px 0; }
.b-actions { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 6px 0 4px; }
.b-image { margin: 4px 0; }
.b-image-title { font-size: 13px; color: var(--muted); margin-bottom: 4px; }
.b-image-frame { display: inline-block; max-width: 100%; border-radius: 8px; overflow: hidden; border: 1px solid var(--faint); }
.b-image-frame img { display: block; max-width: min(100%, 720px); height: auto; }
.b-image-missing { padding: 12px; border: 1px dashed var(--faint); border-radius: 8px; color: var(--muted); font-size: 13px; }
.b-unsupported { font-size: 12px; color: var(--muted); font-style: italic; }

.b-button, .b-select {
  height: 28px; padding: 0 12px; border-radius: 4px; border: 1px solid rgba(29, 28, 29, 0.3);
  background: #fff; color: var(--text); font-size: 13px; font-weight: 700; line-height: 26px; cursor: pointer;
  white-space: nowrap;
}
.b-button:hover, .b-select:hover { background: var(--hover); box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08); }
.b-button.primary { background: var(--green); border-color: var(--green); color: #fff; }
.b-button.primary:hover { background: #148567; }
.b-button.danger { color: #e01e5a; }
.b-button:disabled, .b-select:disabled { opacity: 0.6; cursor: progress; }
a.b-link-button { display: inline-block; box-sizing: border-box; text-decoration: none; }
.b-select {
  -webkit-appearance: none; appearance: none; padding-right: 30px; font-weight: 400; max-width: 280px;
  background-image: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='10' height='6' viewBox='0 0 10 6'%3E%3Cpath d='M1 1l4 4 4-4' fill='none' stroke='%231d1c1d' stroke-width='1.5' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E");
  background-repeat: no-repeat; background-position: right 11px center;
}
.b-checkboxes, .b-radios { display: flex; flex-direction: column; gap: 6px; }
.b-check { display: flex; align-items: flex-start; gap: 8px; cursor: pointer; font-size: 15px; line-height: 1.35; }
.b-check input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
.b-check-box {
  flex: none; width: 18px; height: 18px; margin-top: 1px; border-radius: 4px;
  border: 1px solid rgba(29, 28, 29, 0.5); background: #fff;
}
.b-check input:checked + .b-check-box {
  background: var(--active); border-color: var(--active);
  background-image: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='12' height='10' viewBox='0 0 12 10'%3E%3Cpath d='M1.5 5l3 3 6-6.5' fill='none' stroke='%23fff' stroke-width='2' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E");
  background-repeat: no-repeat; background-position: center;
}
.b-check input:focus-visible + .b-check-box { box-shadow: 0 0 0 3px rgba(29, 155, 209, 0.35); }
.b-check input:disabled + .b-check-box { opacity: 0.6; }
.b-check-desc { font-size: 13px; color: var(--muted); }
.b-radios input { margin-top: 4px; }

/* mrkdwn */
.inline-code {
  font: 12px/1.5 var(--mono); color: #e01e5a; background: rgba(29, 28, 29, 0.04);
  border: 1px solid var(--faint); border-radius: 3px; padding: 1px 3px; white-space: pre-wrap;
}
.code-block {
  font: 12px/1.5 var(--mono); background: rgba(29, 28, 29, 0.04); border: 1px solid var(--faint);
  border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere;
}
.mention { color: var(--link); background: rgba(29, 155, 209, 0.1); border-radius: 3px; padding: 0 2px; }
.mention.self { color: var(--text); background: rgba(242, 199, 68, 0.4); }
.link { color: var(--link); text-decoration: none; }
.link:hover { text-decoration: underline; }
.emoji { display: inline-block; width: 22px; height: 22px; vertical-align: -5px; margin: 0 1px; }
.emoji svg { width: 100%; height: 100%; display: block; }
.emoji-char { width: auto; height: auto; vertical-align: baseline; font-family: "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", sans-serif; }
.b-header .emoji { width: 24px; height: 24px; }

/* ---- composer --------------------------------------------------------------------------- */
.composer { position: sticky; bottom: 0; z-index: 10; padding: 0 20px 14px; background: #fff; }
.composer-box {
  border: 1px solid rgba(29, 28, 29, 0.3); border-radius: 8px; background: #fff; overflow: hidden;
}
.composer-box:focus-within { border-color: rgba(29, 28, 29, 0.55); box-shadow: 0 0 0 1px rgba(29, 28, 29, 0.1); }
.composer-box input { display: block; width: 100%; border: 0; outline: 0; padding: 11px 12px 9px; font-size: 15px; background: none; }
.composer-bar { display: flex; align-items: center; justify-content: space-between; padding: 4px 6px 6px 12px; }
.composer-hint { font-size: 12px; color: var(--muted); }
.send {
  height: 28px; min-width: 56px; padding: 0 12px; border: 0; border-radius: 4px;
  background: var(--green); color: #fff; font-size: 13px; font-weight: 700; cursor: pointer;
}
.send:disabled { background: transparent; color: #bbb; cursor: default; }
.composer-foot { font-size: 11px; color: var(--muted); padding-top: 4px; text-align: right; }
.composer-foot code { font-family: var(--mono); }
.suggestions {
  position: absolute; left: 20px; right: 20px; bottom: calc(100% - 6px); max-height: 320px; overflow-y: auto;
  background: #fff; border: 1px solid var(--faint); border-radius: 8px; padding: 6px 0;
  box-shadow: 0 4px 12px rgba(0, 0, 0, 0.12);
}
.suggestions-title { font-size: 12px; color: var(--muted); padding: 2px 16px 6px; }
.suggestion { display: flex; align-items: baseline; gap: 12px; padding: 5px 16px; cursor: pointer; }
.suggestion:hover { background: var(--hover); }
.suggestion.active { background: var(--active); color: #fff; }
.suggestion-text { font-weight: 700; white-space: nowrap; }
.suggestion-hint { font-size: 13px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.suggestion.active .suggestion-hint { color: rgba(255, 255, 255, 0.85); }

.toasts { position: fixed; top: 52px; right: 16px; z-index: 30; display: flex; flex-direction: column; gap: 8px; max-width: 420px; }
.toast {
  padding: 10px 14px; border-radius: 8px; background: #1d1c1d; color: #fff; font-size: 13px;
  box-shadow: 0 4px 12px rgba(0, 0, 0, 0.2); transition: opacity 0.4s;
}
.toast.error { background: #a51d3c; }
.toast.leaving { opacity: 0; }

.dialog-overlay {
  position: fixed; inset: 0; z-index: 40; background: rgba(0, 0, 0, 0.45);
  display: flex; align-items: center; justify-content: center;
}
.dialog { background: #fff; border-radius: 8px; width: min(520px, 92vw); padding: 20px 24px; box-shadow: 0 18px 48px rgba(0, 0, 0, 0.35); }
.dialog-title { font-size: 20px; font-weight: 900; margin: 0 0 12px; }
.dialog-body { font-size: 15px; line-height: 1.45; margin-bottom: 20px; }
.dialog-buttons { display: flex; justify-content: flex-end; gap: 10px; }

.file-card {
  display: flex; align-items: center; gap: 10px; margin-top: 6px; max-width: 600px;
  border: 1px solid var(--border, #ddd); border-radius: 8px; padding: 8px 12px; background: #fff;
}
.file-icon { width: 34px; height: 34px; border-radius: 6px; background: #1264a3; color: #fff; font-size: 11px; font-weight: 700; display: flex; align-items: center; justify-content: center; flex: none; }
.file-meta { display: flex; flex-direction: column; min-width: 0; flex: 1; }
.file-title { font-weight: 700; overflow-wrap: anywhere; }
.file-name { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.file-actions .b-button { white-space: nowrap; }
.file-actions { display: flex; gap: 6px; }
.file-preview {
  margin: 6px 0 0; max-width: 640px; max-height: 420px; overflow: auto; white-space: pre-wrap;
  font: 12px/1.5 Monaco, Menlo, Consolas, monospace; background: #f8f8f8; border: 1px solid var(--border, #ddd); border-radius: 6px; padding: 10px 12px;
}

@media (max-width: 720px) {
  :root { --sidebar-width: 0px; }
  .sidebar { display: none; }
  .topbar-note { display: none; }
}
`;
