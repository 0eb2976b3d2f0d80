/**
 * The playground page's script: vanilla JS for any current browser, no build step, nothing from a
 * CDN. It is served as /page.js; see page-html.ts for why it lives in a TypeScript string.
 *
 * Writing rules for this string (it is a String.raw template): no backticks and no dollar-brace
 * anywhere in the script; write a backtick as \u0060 inside strings and regular expressions.
 *
 * What it does: renders the channel from GET /api/state as Slack would (Block Kit, mrkdwn, threads,
 * ephemerals), re-fetches on every Server-Sent Event from /api/events, and turns clicks and the
 * composer into POSTs to /api/action, /api/command and /api/digest. All text goes into the DOM as
 * text nodes: nothing from a message is ever parsed as HTML.
 */

export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  // ---------------------------------------------------------------------------------------------
  // Emoji. Slack draws emoji as its own images; the ones pymem uses are drawn here as small SVGs,
  // so the page looks the same with or without an emoji font. Others fall back to the character.
  var EMOJI_CHARS = {
    white_check_mark: '\u2705', warning: '\u26A0\uFE0F', x: '\u274C', chart_with_upwards_trend: '\uD83D\uDCC8',
    chart_with_downwards_trend: '\uD83D\uDCC9', heavy_minus_sign: '\u2796', information_source: '\u2139\uFE0F',
    arrow_backward: '\u25C0\uFE0F', point_left: '\uD83D\uDC48', hourglass: '\u231B', hourglass_flowing_sand: '\u23F3',
    mag: '\uD83D\uDD0D', memo: '\uD83D\uDCDD', wave: '\uD83D\uDC4B', grey_question: '\u2754',
    heavy_check_mark: '\u2714\uFE0F', tada: '\uD83C\uDF89', rocket: '\uD83D\uDE80', eyes: '\uD83D\uDC40', fire: '\uD83D\uDD25',
    bulb: '\uD83D\uDCA1', bell: '\uD83D\uDD14', thumbsup: '\uD83D\uDC4D', '+1': '\uD83D\uDC4D', smile: '\uD83D\uDE04',
    red_circle: '\uD83D\uDD34', large_green_circle: '\uD83D\uDFE2', large_yellow_circle: '\uD83D\uDFE1',
    stopwatch: '\u23F1\uFE0F', calendar: '\uD83D\uDCC5', bar_chart: '\uD83D\uDCCA', memory: '\uD83E\uDDE0'
  };
  var CARD = [['rect', { x: 1.5, y: 1.5, width: 17, height: 17, rx: 2, fill: '#fff', stroke: '#c9cdd1' }],
    ['path', { d: 'M1.5 7h17M1.5 12.5h17M7 1.5v17M12.5 1.5v17', stroke: '#e3e7ea', 'stroke-width': 0.8 }]];
  var BLUE_SQUARE = ['rect', { x: 1, y: 1, width: 18, height: 18, rx: 4, fill: '#3b88c3' }];
  var HOURGLASS = [['path', { d: 'M5.5 3.5h9c0 4.2-3.6 4.8-3.6 6.5s3.6 2.3 3.6 6.5h-9c0-4.2 3.6-4.8 3.6-6.5S5.5 7.7 5.5 3.5z', fill: '#e1f0fa', stroke: '#99aab5', 'stroke-width': 0.8 }],
    ['rect', { x: 3.8, y: 1.5, width: 12.4, height: 2.2, rx: 0.9, fill: '#a0683f' }],
    ['rect', { x: 3.8, y: 16.3, width: 12.4, height: 2.2, rx: 0.9, fill: '#a0683f' }]];
  var EMOJI_SVG = {
    white_check_mark: [['rect', { x: 1, y: 1, width: 18, height: 18, rx: 4, fill: '#3eb34f' }],
      ['path', { d: 'M5.2 10.4l3.2 3.2 6.4-7', fill: 'none', stroke: '#fff', 'stroke-width': 2.6, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
    warning: [['path', { d: 'M10 1.8l8.8 15.6H1.2z', fill: '#ffcc32', stroke: '#e8a800', 'stroke-width': 1, 'stroke-linejoin': 'round' }],
      ['rect', { x: 9, y: 6.6, width: 2, height: 6.4, rx: 1, fill: '#292f33' }], ['circle', { cx: 10, cy: 15.1, r: 1.2, fill: '#292f33' }]],
    x: [['path', { d: 'M4.5 4.5l11 11M15.5 4.5l-11 11', stroke: '#dd2e44', 'stroke-width': 3.4, 'stroke-linecap': 'round' }]],
    chart_with_upwards_trend: CARD.concat([['path', { d: 'M3.6 15.6l4-4.6 3 2.6 5.8-8', fill: 'none', stroke: '#e0245e', 'stroke-width': 1.9, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]]),
    chart_with_downwards_trend: CARD.concat([['path', { d: 'M3.6 4.6l4 4.8 3-2.6 5.8 8.2', fill: 'none', stroke: '#2b7bb9', 'stroke-width': 1.9, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]]),
    heavy_minus_sign: [['rect', { x: 3, y: 8.3, width: 14, height: 3.4, rx: 1.3, fill: '#31373d' }]],
    information_source: [BLUE_SQUARE, ['circle', { cx: 10, cy: 5.6, r: 1.5, fill: '#fff' }],
      ['path', { d: 'M7.9 8.4h3.2v6.4h1.2v1.7H7.7v-1.7h1.2v-4.7h-1z', fill: '#fff' }]],
    arrow_backward: [BLUE_SQUARE, ['path', { d: 'M5.8 10l7.2-4.6v9.2z', fill: '#fff' }]],
    point_left: [['rect', { x: 8, y: 5.5, width: 10.5, height: 10.5, rx: 3.2, fill: '#ffcc4d' }],
      ['rect', { x: 1.2, y: 5.5, width: 11, height: 3.8, rx: 1.9, fill: '#ffcc4d' }],
      ['path', { d: 'M12 9.3h5.5M12 12.3h5.5', stroke: '#ee9547', 'stroke-width': 0.9, 'stroke-linecap': 'round' }],
      ['path', { d: 'M8.3 5.6c1.2-1.8 2.6-2.6 4.4-2.4', fill: 'none', stroke: '#ffcc4d', 'stroke-width': 2.4, 'stroke-linecap': 'round' }]],
    hourglass: HOURGLASS.concat([['path', { d: 'M6.7 16.3c.4-2.3 3.3-3 3.3-4.9 0 1.9 2.9 2.6 3.3 4.9z', fill: '#ffac33' }]]),
    hourglass_flowing_sand: HOURGLASS.concat([['path', { d: 'M7.3 6h5.4c-.9 1.7-2.7 2.2-2.7 3.7 0-1.5-1.8-2-2.7-3.7z', fill: '#ffac33' }],
      ['path', { d: 'M10 10v4', stroke: '#ffac33', 'stroke-width': 0.8 }], ['path', { d: 'M7 16.3c.5-1.6 2-2 3-2s2.5.4 3 2z', fill: '#ffac33' }]]),
    mag: [['circle', { cx: 8, cy: 8, r: 5.4, fill: '#bde0f6', stroke: '#66757f', 'stroke-width': 2 }],
      ['path', { d: 'M12.2 12.2l5.4 5.4', stroke: '#a0683f', 'stroke-width': 3, 'stroke-linecap': 'round' }]],
    memo: [['rect', { x: 2.5, y: 2, width: 12.5, height: 16, rx: 1.5, fill: '#fff', stroke: '#ccd6dd' }],
      ['path', { d: 'M5 6h7.5M5 9h7.5M5 12h5', stroke: '#99aab5', 'stroke-width': 1.1 }],
      ['path', { d: 'M17.3 5.3l1.6 1.6-7.8 7.8-2.4.8.8-2.4z', fill: '#ffac33', stroke: '#c47f1a', 'stroke-width': 0.6 }]],
    wave: [['path', { d: 'M6.2 10.5V5a1.3 1.3 0 012.6 0v4.6V3.6a1.3 1.3 0 012.6 0v6V4.4a1.3 1.3 0 012.6 0v6.8l1.2-1.8a1.35 1.35 0 012.2 1.5l-3 4.7a5.7 5.7 0 01-9.8-.9L6.2 12z', fill: '#ffcc4d' }],
      ['path', { d: 'M2.6 6.2c.1-1.6 1-2.9 2.2-3.5M3.2 16.6c.9.8 2.1 1.3 3.3 1.4', fill: 'none', stroke: '#5dadec', 'stroke-width': 1.2, 'stroke-linecap': 'round' }]],
    grey_question: [['path', { d: 'M6.8 7.2a3.2 3.2 0 116.4 0c0 2.3-3.2 2.5-3.2 4.8', fill: 'none', stroke: '#99aab5', 'stroke-width': 2.6, 'stroke-linecap': 'round' }],
      ['circle', { cx: 10, cy: 16, r: 1.6, fill: '#99aab5' }]]
  };
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function emojiNode(name) {
    var shapes = EMOJI_SVG[name];
    var char = EMOJI_CHARS[name];
    if (!shapes && !char) return null;
    var span = document.createElement('span');
    span.className = 'emoji';
    span.setAttribute('role', 'img');
    span.setAttribute('aria-label', char || (':' + name + ':'));
    span.title = ':' + name + ':';
    span.dataset.emoji = name;
    if (shapes) {
      var svg = document.createElementNS(SVG_NS, 'svg');
      svg.setAttribute('viewBox', '0 0 20 20');
      svg.setAttribute('aria-hidden', 'true');
      shapes.forEach(function (shape) {
        var node = document.createElementNS(SVG_NS, shape[0]);
        Object.keys(shape[1]).forEach(function (k) { node.setAttribute(k, String(shape[1][k])); });
        svg.appendChild(node);
      });
      span.appendChild(svg);
    } else {
      span.classList.add('emoji-char');
      span.textContent = char;
    }
    return span;
  }

  // ---------------------------------------------------------------------------------------------
  // Small DOM helpers. Text only ever goes in through textContent / text nodes.
  function h(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === undefined || value === null || value === false) return;
        if (key === 'className') node.className = value;
        else if (key === 'text') node.textContent = value;
        else if (key === 'dataset') Object.keys(value).forEach(function (d) { node.dataset[d] = value[d]; });
        else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
        else if (value === true) node.setAttribute(key, '');
        else node.setAttribute(key, String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function $(id) { return document.getElementById(id); }

  /** Slack escapes exactly these three in message text. */
  function decodeEntities(text) {
    return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  // ---------------------------------------------------------------------------------------------
  // mrkdwn, as Slack renders it in blocks: *bold* _italic_ ~strike~ \u0060code\u0060, code blocks,
  // <url|links>, <@U…> mentions, <#C…> channels, <!here>, :emoji:, line breaks.
  var HOLD_OPEN = '\uE000';
  var HOLD_CLOSE = '\uE001';
  var MARKS = { '*': 'strong', _: 'em', '~': 's' };
  var WORD = /[A-Za-z0-9]/;
  var SPACE = /\s/;

  function renderMrkdwn(text, into) {
    var clean = String(text).replace(/[\uE000\uE001]/g, '');
    var parts = clean.split('\u0060\u0060\u0060');
    for (var i = 0; i < parts.length; i++) {
      var isBlock = i % 2 === 1 && i < parts.length - 1;
      if (isBlock) {
        into.appendChild(h('pre', { className: 'code-block', text: decodeEntities(parts[i].replace(/^\n/, '').replace(/\n$/, '')) }));
      } else {
        renderInline(i % 2 === 1 ? '\u0060\u0060\u0060' + parts[i] : parts[i], into);
      }
    }
    return into;
  }

  function renderInline(text, into) {
    var atoms = [];
    var hold = function (atom) { atoms.push(atom); return HOLD_OPEN + (atoms.length - 1) + HOLD_CLOSE; };
    var held = text
      .replace(/\u0060([^\u0060\n]+)\u0060/g, function (_m, code) { return hold({ kind: 'code', text: code }); })
      .replace(/<([^<>\n]+)>/g, function (_m, inner) { return hold(angle(inner)); });
    formatInto(held, atoms, into);
  }

  function angle(inner) {
    var bar = inner.indexOf('|');
    var head = bar < 0 ? inner : inner.slice(0, bar);
    var label = bar < 0 ? null : inner.slice(bar + 1);
    if (head.charAt(0) === '@') return { kind: 'user', id: head.slice(1), label: label };
    if (head.charAt(0) === '#') return { kind: 'channel', id: head.slice(1), label: label };
    if (head.charAt(0) === '!') {
      var name = head.slice(1).split('^')[0];
      if (name === 'date') return { kind: 'text', text: label || '' };
      if (name === 'subteam') return { kind: 'special', text: label || '@group' };
      return { kind: 'special', text: '@' + name };
    }
    return { kind: 'link', url: decodeEntities(head), label: label };
  }

  function opens(s, i) {
    var before = i === 0 ? '' : s.charAt(i - 1);
    var after = s.charAt(i + 1);
    return (before === '' || !WORD.test(before)) && after !== '' && !SPACE.test(after) && after !== s.charAt(i);
  }

  function closes(s, i) {
    var ch = s.charAt(i);
    for (var j = i + 2; j < s.length; j++) {
      var c = s.charAt(j);
      if (c === '\n') return -1;
      if (c === ch && !SPACE.test(s.charAt(j - 1)) && (j + 1 >= s.length || !WORD.test(s.charAt(j + 1)))) return j;
    }
    return -1;
  }

  function formatInto(s, atoms, parent) {
    var start = 0;
    var i = 0;
    while (i < s.length) {
      var ch = s.charAt(i);
      if (MARKS[ch] && opens(s, i)) {
        var end = closes(s, i);
        if (end > 0) {
          emitText(s.slice(start, i), atoms, parent);
          var node = document.createElement(MARKS[ch]);
          formatInto(s.slice(i + 1, end), atoms, node);
          parent.appendChild(node);
          i = end + 1;
          start = i;
          continue;
        }
      }
      i++;
    }
    emitText(s.slice(start), atoms, parent);
  }

  function emitText(text, atoms, parent) {
    if (text === '') return;
    var pieces = text.split(/\uE000(\d+)\uE001/);
    for (var i = 0; i < pieces.length; i++) {
      if (i % 2 === 0) emitPlain(pieces[i], parent, true, true);
      else parent.appendChild(atomNode(atoms[Number(pieces[i])]));
    }
  }

  /** Text with :emoji: shortcodes; entity-decoded for mrkdwn, literal for plain_text. */
  function emitPlain(text, parent, decode, emoji) {
    if (text === '') return;
    if (!emoji) { parent.appendChild(document.createTextNode(decode ? decodeEntities(text) : text)); return; }
    var re = /:([a-z0-9_+'-]+):/g;
    var last = 0;
    var match;
    while ((match = re.exec(text)) !== null) {
      var node = emojiNode(match[1]);
      if (!node) { re.lastIndex = match.index + match[0].length - 1; continue; }
      if (match.index > last) parent.appendChild(document.createTextNode(decode ? decodeEntities(text.slice(last, match.index)) : text.slice(last, match.index)));
      parent.appendChild(node);
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(decode ? decodeEntities(text.slice(last)) : text.slice(last)));
  }

  function atomNode(atom) {
    switch (atom && atom.kind) {
      case 'code':
        return h('code', { className: 'inline-code', text: decodeEntities(atom.text) });
      case 'user': {
        var isSelf = atom.id === state.user;
        return h('span', { className: 'mention' + (isSelf ? ' self' : ''), dataset: { user: atom.id }, text: '@' + userName(atom.id, atom.label) });
      }
      case 'channel': {
        var channel = findChannel(atom.id);
        return h('span', { className: 'mention channel-ref', text: '#' + (channel ? channel.name : (atom.label || atom.id)) });
      }
      case 'special':
        return h('span', { className: 'mention', text: atom.text });
      case 'text':
        return document.createTextNode(decodeEntities(atom.text));
      case 'link': {
        var safe = /^(https?:|mailto:)/i.test(atom.url);
        var label = atom.label !== null ? atom.label : atom.url;
        var node = h(safe ? 'a' : 'span', safe ? { className: 'link', href: atom.url, target: '_blank', rel: 'noopener noreferrer' } : { className: 'link unsafe' });
        emitPlain(label, node, true, true);
        return node;
      }
      default:
        return document.createTextNode('');
    }
  }

  function renderTextObject(obj, className) {
    var node = h('div', { className: className || 'b-text' });
    if (!obj || typeof obj.text !== 'string') return node;
    if (obj.type === 'mrkdwn') renderMrkdwn(obj.text, node);
    else emitPlain(obj.text, node, false, obj.emoji !== false);
    return node;
  }

  // ---------------------------------------------------------------------------------------------
  // State.
  var state = {
    ws: null,
    channel: null,
    user: null,
    messages: [],
    notices: {},
    collapsed: {},
    dismissed: {},
    unread: {},
    nodes: {},
    loading: false,
    dirty: false,
    refreshTimer: null,
    scrollToEnd: true,
    followEnd: true,
    noticeCounter: 0
  };

  function findUser(id) {
    var users = state.ws ? state.ws.users : [];
    for (var i = 0; i < users.length; i++) if (users[i].id === id) return users[i];
    return null;
  }
  function findChannel(id) {
    var channels = state.ws ? state.ws.channels : [];
    for (var i = 0; i < channels.length; i++) if (channels[i].id === id) return channels[i];
    return null;
  }
  function userName(id, label) {
    if (state.ws && id === state.ws.bot.userId) return state.ws.bot.name;
    var user = findUser(id);
    if (user) return user.name;
    return label || id;
  }

  // ---------------------------------------------------------------------------------------------
  // API.
  function errorText(body, status) {
    if (body && body.error && body.error.message) return body.error.message;
    return 'HTTP ' + status;
  }
  function request(method, path, body) {
    var init = { method: method, headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (_e) { parsed = null; }
        if (!response.ok) throw new Error(errorText(parsed, response.status));
        return parsed;
      });
    });
  }

  function toast(text, kind) {
    var node = h('div', { className: 'toast ' + (kind || 'info'), text: text });
    $('toasts').appendChild(node);
    setTimeout(function () { node.classList.add('leaving'); }, 5500);
    setTimeout(function () { node.remove(); }, 6000);
  }

  // ---------------------------------------------------------------------------------------------
  // Interactions: every click becomes POST /api/action, which the server turns into a signed
  // block_actions payload for the bot.
  function sendAction(message, blockId, element, extra, controls) {
    controls.forEach(function (c) { c.disabled = true; });
    var row = document.querySelector('.msg[data-ts="' + message.ts + '"]');
    if (row) row.classList.add('pending');
    var body = { channel: state.channel, user: state.user, messageTs: message.ts, actionId: element.action_id };
    if (blockId) body.blockId = blockId;
    Object.keys(extra).forEach(function (k) { body[k] = extra[k]; });
    var release = function () {
      if (row) row.classList.remove('pending');
      controls.forEach(function (c) { c.disabled = false; });
    };
    return request('POST', '/api/action', body).then(function () {
      // The bot's chat.update arrives as an event and replaces the message; when a click changes
      // nothing here (a button that posts elsewhere), give the controls back after a moment.
      setTimeout(release, 1500);
    }, function (error) {
      toast('That click did not reach pymem: ' + error.message, 'error');
      // Undo what the browser already toggled: draw the message again from the last state.
      release();
      state.nodes = {};
      render();
    });
  }

  function plainText(obj) {
    return obj && typeof obj.text === 'string' ? obj.text : '';
  }

  function renderElement(element, message, blockId) {
    var type = element && element.type;
    var wrap;
    switch (type) {
      case 'button': {
        // A button with a url is a link, as in Slack: the browser opens it in a new tab (and shows
        // where it goes, copies it, opens it with a middle click); the click still reaches the bot.
        var link = typeof element.url === 'string' && /^https?:\/\//i.test(element.url);
        var className = 'b-button' + (element.style === 'primary' ? ' primary' : element.style === 'danger' ? ' danger' : '');
        var button = link
          ? h('a', { className: className + ' b-link-button', href: element.url, target: '_blank', rel: 'noopener noreferrer', dataset: { actionId: element.action_id || '' } })
          : h('button', { type: 'button', className: className, dataset: { actionId: element.action_id || '' } });
        if (typeof element.accessibility_label === 'string') button.setAttribute('aria-label', element.accessibility_label);
        emitPlain(plainText(element.text), button, false, element.text ? element.text.emoji !== false : true);
        button.addEventListener('click', function () {
          var extra = {};
          if (typeof element.value === 'string') extra.value = element.value;
          sendAction(message, blockId, element, extra, link ? [] : [button]);
        });
        return button;
      }
      case 'checkboxes': {
        var initial = {};
        (element.initial_options || []).forEach(function (o) { initial[o.value] = true; });
        wrap = h('div', { className: 'b-checkboxes', role: 'group', dataset: { actionId: element.action_id || '' } });
        var inputs = [];
        (element.options || []).forEach(function (option) {
          var input = h('input', { type: 'checkbox', value: option.value, checked: !!initial[option.value] });
          input.checked = !!initial[option.value];
          inputs.push(input);
          var label = h('label', { className: 'b-check' }, [input, h('span', { className: 'b-check-box', 'aria-hidden': 'true' }), renderTextObject(option.text, 'b-check-text')]);
          if (option.description) label.appendChild(renderTextObject(option.description, 'b-check-desc'));
          wrap.appendChild(label);
        });
        inputs.forEach(function (input) {
          input.addEventListener('change', function () {
            var selected = inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
            sendAction(message, blockId, element, { selected: selected }, inputs);
          });
        });
        return wrap;
      }
      case 'radio_buttons': {
        wrap = h('div', { className: 'b-radios', role: 'radiogroup', dataset: { actionId: element.action_id || '' } });
        var radios = [];
        var groupName = 'r-' + message.ts + '-' + (element.action_id || '');
        (element.options || []).forEach(function (option) {
          var checked = !!(element.initial_option && element.initial_option.value === option.value);
          var radio = h('input', { type: 'radio', name: groupName, value: option.value });
          radio.checked = checked;
          radios.push(radio);
          wrap.appendChild(h('label', { className: 'b-check' }, [radio, renderTextObject(option.text, 'b-check-text')]));
        });
        radios.forEach(function (radio) {
          radio.addEventListener('change', function () { sendAction(message, blockId, element, { selected: radio.value }, radios); });
        });
        return wrap;
      }
      case 'static_select': {
        var select = h('select', { className: 'b-select', dataset: { actionId: element.action_id || '' }, 'aria-label': plainText(element.placeholder) || 'Select an item' });
        if (!element.initial_option) {
          select.appendChild(h('option', { value: '', disabled: true, selected: true, text: plainText(element.placeholder) || 'Select an item' }));
        }
        var addOption = function (parent, option) {
          parent.appendChild(h('option', { value: option.value, text: plainText(option.text) }));
        };
        (element.options || []).forEach(function (o) { addOption(select, o); });
        (element.option_groups || []).forEach(function (group) {
          var optgroup = h('optgroup', { label: plainText(group.label) });
          (group.options || []).forEach(function (o) { addOption(optgroup, o); });
          select.appendChild(optgroup);
        });
        select.value = element.initial_option ? element.initial_option.value : '';
        select.addEventListener('change', function () {
          sendAction(message, blockId, element, { selected: select.value }, [select]);
        });
        return select;
      }
      case 'image':
        return h('img', { className: 'b-context-img', src: imageSource(element), alt: element.alt_text || '' });
      default:
        return h('span', { className: 'b-unsupported', text: (type || 'unknown') + ' element (not shown in the playground)' });
    }
  }

  function imageSource(obj) {
    if (obj.slack_file && typeof obj.slack_file.id === 'string') return '/files/' + encodeURIComponent(obj.slack_file.id);
    var url = (obj.slack_file && obj.slack_file.url) || obj.image_url || '';
    var file = /\/files\/(F[A-Z0-9]+)/.exec(url);
    if (file) return '/files/' + file[1];
    return null;
  }

  function renderBlock(block, message) {
    var blockId = typeof block.block_id === 'string' ? block.block_id : '';
    var data = { blockId: blockId, blockType: block.type || '' };
    switch (block.type) {
      case 'header':
        return h('div', { className: 'block b-header', dataset: data }, [renderTextObject(block.text, 'b-header-text')]);
      case 'section': {
        var main = h('div', { className: 'b-section-main' });
        if (block.text) main.appendChild(renderTextObject(block.text, 'b-text'));
        if (Array.isArray(block.fields) && block.fields.length > 0) {
          main.appendChild(h('div', { className: 'b-fields' }, block.fields.map(function (f) { return renderTextObject(f, 'b-field'); })));
        }
        var section = h('div', { className: 'block b-section', dataset: data }, [main]);
        if (block.accessory) section.appendChild(h('div', { className: 'b-accessory' }, [renderElement(block.accessory, message, blockId)]));
        return section;
      }
      case 'image': {
        var figure = h('div', { className: 'block b-image', dataset: data });
        if (block.title) figure.appendChild(renderTextObject(block.title, 'b-image-title'));
        var src = imageSource(block);
        if (src) {
          var img = h('img', { src: src, alt: block.alt_text || '', title: block.alt_text || '', loading: 'eager' });
          img.addEventListener('load', keepBottom);
          img.addEventListener('error', function () {
            img.replaceWith(h('div', { className: 'b-image-missing', text: 'Image not available: ' + (block.alt_text || 'no description') }));
          });
          figure.appendChild(h('div', { className: 'b-image-frame' }, [img]));
        } else {
          figure.appendChild(h('div', { className: 'b-image-missing', text: 'External image not loaded in the playground: ' + (block.alt_text || '') }));
        }
        return figure;
      }
      case 'context':
        return h('div', { className: 'block b-context', dataset: data }, (block.elements || []).map(function (e) {
          if (e.type === 'image') return renderElement(e, message, blockId);
          return renderTextObject(e, 'b-context-text');
        }));
      case 'divider':
        return h('hr', { className: 'block b-divider', dataset: data });
      case 'actions':
        return h('div', { className: 'block b-actions', dataset: data }, (block.elements || []).map(function (e) { return renderElement(e, message, blockId); }));
      default:
        return h('div', { className: 'block b-unsupported', dataset: data, text: (block.type || 'unknown') + ' block (not shown in the playground)' });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Messages.
  function formatTime(ms) {
    return new Date(ms).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
  }
  function dayLabel(ms) {
    var day = new Date(ms).toDateString();
    if (day === new Date().toDateString()) return 'Today';
    return new Date(ms).toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric' });
  }
  function isBot(m) { return !!(m.bot_id || (state.ws && m.user === state.ws.bot.userId)); }

  function avatarFor(m, small) {
    var cls = 'avatar' + (small ? ' small' : '');
    if (m.local) return h('span', { className: cls + ' slackbot', 'aria-hidden': 'true' }, [emojiNode('information_source')]);
    if (isBot(m)) return h('span', { className: cls + ' bot', 'aria-hidden': 'true' }, [botGlyph()]);
    var user = findUser(m.user);
    var node = h('span', { className: cls, 'aria-hidden': 'true', text: user ? user.name.charAt(0) : '?' });
    node.style.background = user ? user.color : '#868686';
    return node;
  }
  function botGlyph() {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    [['path', { d: 'M3.5 18.5l5-6 3.5 3 7.5-9.5', fill: 'none', stroke: '#fff', 'stroke-width': 2.4, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }],
      ['circle', { cx: 19.5, cy: 6, r: 2, fill: '#ffd166' }]].forEach(function (shape) {
      var node = document.createElementNS(SVG_NS, shape[0]);
      Object.keys(shape[1]).forEach(function (k) { node.setAttribute(k, String(shape[1][k])); });
      svg.appendChild(node);
    });
    return svg;
  }
  function authorName(m) {
    if (m.local) return 'Slackbot';
    if (isBot(m)) return state.ws ? state.ws.bot.name : 'pymem';
    var user = findUser(m.user);
    return user ? user.name : m.user;
  }

  function messageBody(m) {
    var body = h('div', { className: 'msg-content' });
    var blocks = Array.isArray(m.blocks) ? m.blocks : [];
    if (blocks.length > 0) {
      var list = h('div', { className: 'blocks' });
      blocks.forEach(function (block) { list.appendChild(renderBlock(block, m)); });
      body.appendChild(list);
    } else if (m.text) {
      body.appendChild(renderMrkdwn(m.text, h('div', { className: 'b-text msg-text' })));
    }
    var shown = {};
    blocks.forEach(function (b) { if (b.slack_file && b.slack_file.id) shown[b.slack_file.id] = true; });
    (m.files || []).forEach(function (f) {
      if (shown[f.id] || !/^image\//.test(f.mimetype)) return;
      body.appendChild(h('div', { className: 'b-image file' }, [h('div', { className: 'b-image-title', text: f.title || f.name }),
        h('div', { className: 'b-image-frame' }, [h('img', { src: '/files/' + encodeURIComponent(f.id), alt: f.altText || f.title || f.name })])]));
    });
    return body;
  }

  function messageNode(m, compact) {
    var ephemeral = !!(m.visibleTo || m.local);
    var row = h('div', {
      className: 'msg' + (compact ? ' compact' : '') + (ephemeral ? ' ephemeral' : '') + (m.thread_ts && m.thread_ts !== m.ts ? ' reply' : ''),
      dataset: { ts: m.ts, author: m.user || '' }
    });
    if (ephemeral) {
      row.appendChild(h('div', { className: 'eph-icon', 'aria-hidden': 'true' }, [eyeIcon()]));
      row.appendChild(h('div', { className: 'eph-note' }, [
        'Only visible to you',
        h('button', { type: 'button', className: 'linkish', text: 'Dismiss', onclick: function () {
          state.dismissed[m.ts] = true;
          render();
        } })
      ]));
    }
    var gutter = h('div', { className: 'msg-gutter' });
    if (compact) gutter.appendChild(h('span', { className: 'hover-time', text: formatTime(m.postedAt) }));
    else gutter.appendChild(avatarFor(m, false));
    row.appendChild(gutter);
    var main = h('div', { className: 'msg-main' });
    if (!compact) {
      main.appendChild(h('div', { className: 'msg-head' }, [
        h('span', { className: 'author', text: authorName(m) }),
        isBot(m) ? h('span', { className: 'app-badge', text: 'APP' }) : null,
        h('time', { className: 'time', title: new Date(m.postedAt).toLocaleString('en-US'), text: formatTime(m.postedAt) })
      ]));
    }
    main.appendChild(messageBody(m));
    row.appendChild(main);
    return row;
  }

  function eyeIcon() {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 20 20');
    var outline = document.createElementNS(SVG_NS, 'path');
    outline.setAttribute('d', 'M1.5 10S4.5 4.5 10 4.5 18.5 10 18.5 10 15.5 15.5 10 15.5 1.5 10 1.5 10z');
    outline.setAttribute('fill', 'none');
    outline.setAttribute('stroke', 'currentColor');
    outline.setAttribute('stroke-width', '1.5');
    var pupil = document.createElementNS(SVG_NS, 'circle');
    pupil.setAttribute('cx', '10'); pupil.setAttribute('cy', '10'); pupil.setAttribute('r', '2.6');
    pupil.setAttribute('fill', 'currentColor');
    svg.appendChild(outline);
    svg.appendChild(pupil);
    return svg;
  }

  /** A top-level message with its thread (replies indented under it, as the "N replies" bar). */
  function threadNode(parent, replies, compact) {
    var wrap = h('div', { className: 'item', dataset: { ts: parent.ts } });
    wrap.appendChild(messageNode(parent, compact));
    if (replies.length === 0) return wrap;
    var collapsed = !!state.collapsed[parent.ts];
    var repliers = [];
    replies.forEach(function (r) { if (repliers.indexOf(r.user) < 0) repliers.push(r.user); });
    var last = replies[replies.length - 1];
    var bar = h('button', { type: 'button', className: 'thread-bar', 'aria-expanded': collapsed ? 'false' : 'true', dataset: { thread: parent.ts } },
      repliers.slice(0, 4).map(function (u) { return avatarFor({ user: u, bot_id: state.ws && u === state.ws.bot.userId ? 'B' : undefined }, true); }).concat([
        h('span', { className: 'replies-count', text: replies.length + (replies.length === 1 ? ' reply' : ' replies') }),
        h('span', { className: 'replies-last', text: collapsed ? 'Last reply at ' + formatTime(last.postedAt) : 'Hide thread' })
      ]));
    bar.addEventListener('click', function () {
      state.collapsed[parent.ts] = !collapsed;
      render();
    });
    wrap.appendChild(h('div', { className: 'thread-bar-row' }, [bar]));
    if (!collapsed) {
      var list = h('div', { className: 'thread' });
      var previous = null;
      replies.forEach(function (r) {
        list.appendChild(messageNode(r, groupable(previous, r)));
        previous = r;
      });
      wrap.appendChild(list);
    }
    return wrap;
  }

  /** Slack folds a message under the previous one from the same author within a few minutes. */
  function groupable(previous, m) {
    if (!previous || previous.visibleTo || m.visibleTo || previous.local || m.local) return false;
    if (previous.user !== m.user) return false;
    return m.postedAt - previous.postedAt < 5 * 60 * 1000 && dayLabel(m.postedAt) === dayLabel(previous.postedAt);
  }

  function visibleMessages() {
    var local = state.notices[state.channel] || [];
    return state.messages.concat(local).filter(function (m) { return !state.dismissed[m.ts]; }).sort(function (a, b) {
      return a.order - b.order || (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0);
    });
  }

  function render() {
    var list = $('messages');
    var nearEnd = isNearEnd();
    var all = visibleMessages();
    var byTs = {};
    all.forEach(function (m) { byTs[m.ts] = m; });
    var repliesOf = {};
    var top = [];
    all.forEach(function (m) {
      if (m.thread_ts && m.thread_ts !== m.ts && byTs[m.thread_ts]) (repliesOf[m.thread_ts] = repliesOf[m.thread_ts] || []).push(m);
      else top.push(m);
    });
    var wanted = [];
    var channel = findChannel(state.channel);
    wanted.push(cached('intro:' + state.channel, channel ? channel.name : '', function () { return introNode(channel); }));
    var previous = null;
    var lastDay = null;
    top.forEach(function (m) {
      var day = dayLabel(m.postedAt);
      if (day !== lastDay) {
        wanted.push(cached('day:' + day, day, function () { return h('div', { className: 'day-divider' }, [h('span', { text: day })]); }));
        lastDay = day;
      }
      var replies = repliesOf[m.ts] || [];
      var compact = groupable(previous, m) && replies.length === 0 && !(repliesOf[previous.ts] || []).length;
      var signature = JSON.stringify([m, replies, compact, !!state.collapsed[m.ts], state.user]);
      wanted.push(cached('m:' + m.ts, signature, function () { return threadNode(m, replies, compact); }));
      previous = m;
    });
    for (var i = 0; i < wanted.length; i++) {
      if (list.children[i] !== wanted[i]) list.insertBefore(wanted[i], list.children[i] || null);
    }
    while (list.children.length > wanted.length) list.removeChild(list.lastChild);
    var keep = {};
    wanted.forEach(function (n) { keep[n.dataset.key] = true; });
    Object.keys(state.nodes).forEach(function (k) { if (!keep[k]) delete state.nodes[k]; });
    document.body.dataset.messages = String(all.length);
    if (nearEnd || state.scrollToEnd) scrollToEnd();
    state.scrollToEnd = false;
  }

  function cached(key, signature, build) {
    var entry = state.nodes[key];
    if (entry && entry.signature === signature) return entry.node;
    var node = build();
    node.dataset.key = key;
    state.nodes[key] = { signature: signature, node: node };
    return node;
  }

  function introNode(channel) {
    var name = channel ? channel.name : '';
    return h('div', { className: 'intro' }, [
      h('div', { className: 'intro-title', text: '# ' + name }),
      h('p', { className: 'intro-text' }, [
        'This is the very beginning of the ', h('b', { text: '#' + name }), ' channel. pymem is here; type ',
        h('code', { className: 'inline-code', text: '/pymem checkout-api' }), ' below for a memory report, or ',
        h('code', { className: 'inline-code', text: '/pymem help' }), '.'
      ])
    ]);
  }

  function isNearEnd() {
    var doc = document.documentElement;
    return window.innerHeight + window.scrollY >= doc.scrollHeight - 120;
  }
  function scrollToEnd() { window.scrollTo(0, document.documentElement.scrollHeight); }
  var keepBottomTimer = null;
  function keepBottom() {
    // A chart that finished loading makes the page taller; stay at the end if the reader was there.
    if (keepBottomTimer) return;
    keepBottomTimer = setTimeout(function () {
      keepBottomTimer = null;
      if (state.followEnd) scrollToEnd();
    }, 0);
  }
  window.addEventListener('scroll', function () { state.followEnd = isNearEnd(); }, { passive: true });

  // ---------------------------------------------------------------------------------------------
  // Loading state, live updates.
  function stateUrl() {
    return '/api/state?channel=' + encodeURIComponent(state.channel) + '&user=' + encodeURIComponent(state.user);
  }

  function refresh() {
    if (state.loading) { state.dirty = true; return Promise.resolve(); }
    state.loading = true;
    state.dirty = false;
    var channel = state.channel;
    var user = state.user;
    return request('GET', stateUrl()).then(function (data) {
      if (channel === state.channel && user === state.user) {
        state.messages = data.messages;
        state.followEnd = isNearEnd() || state.followEnd;
        render();
      }
    }).catch(function (error) {
      toast('Could not load the channel: ' + error.message, 'error');
    }).then(function () {
      state.loading = false;
      if (state.dirty || channel !== state.channel || user !== state.user) return refresh();
      return undefined;
    });
  }

  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(function () {
      state.refreshTimer = null;
      refresh();
    }, 40);
  }

  function connectEvents() {
    var live = $('live');
    var source = new EventSource('/api/events');
    source.addEventListener('open', function () {
      live.textContent = 'Live';
      live.className = 'live on';
      scheduleRefresh();
    });
    source.addEventListener('error', function () {
      live.textContent = 'Reconnecting…';
      live.className = 'live off';
    });
    source.addEventListener('change', function (event) {
      var change = null;
      try { change = JSON.parse(event.data); } catch (_e) { change = null; }
      if (change && change.channel && change.channel !== state.channel) {
        if (change.kind === 'message_posted') { state.unread[change.channel] = true; renderSidebar(); }
        return;
      }
      scheduleRefresh();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Sidebar, header, URL.
  function renderSidebar() {
    var list = $('channel-list');
    list.textContent = '';
    state.ws.channels.forEach(function (c) {
      var active = c.id === state.channel;
      list.appendChild(h('li', {}, [h('button', {
        type: 'button',
        className: 'sidebar-item' + (active ? ' active' : '') + (state.unread[c.id] && !active ? ' unread' : ''),
        dataset: { channel: c.id },
        'aria-current': active ? 'page' : undefined,
        onclick: function () { selectChannel(c.id); }
      }, [h('span', { className: 'hash', text: '#' }), c.name])]));
    });
    var me = findUser(state.user);
    var avatar = $('me-avatar');
    avatar.textContent = me ? me.name.charAt(0) : '?';
    avatar.style.background = me ? me.color : '#868686';
    $('me-title').textContent = me ? me.title : '';
  }

  function renderHeader() {
    var channel = findChannel(state.channel);
    $('channel-title').textContent = '# ' + (channel ? channel.name : state.channel);
    $('channel-topic').textContent = channel ? channel.topic : '';
    $('composer').placeholder = 'Message #' + (channel ? channel.name : '');
    document.title = (channel ? '#' + channel.name : 'pymem') + ' · pymem playground';
  }

  function saveLocation() {
    var params = new URLSearchParams({ channel: state.channel, user: state.user });
    history.replaceState(null, '', '?' + params.toString());
  }

  function selectChannel(id) {
    if (id === state.channel) return;
    state.channel = id;
    delete state.unread[id];
    state.messages = [];
    state.nodes = {};
    state.scrollToEnd = true;
    saveLocation();
    renderSidebar();
    renderHeader();
    render();
    refresh();
  }

  function selectUser(id) {
    state.user = id;
    state.nodes = {};
    state.dismissed = {};
    saveLocation();
    renderSidebar();
    refresh();
  }

  // ---------------------------------------------------------------------------------------------
  // Composer with slash-command suggestions.
  var suggestion = { items: [], index: -1 };

  function commandSuggestions(text) {
    if (text.charAt(0) !== '/') return [];
    var services = (state.ws && state.ws.services) || [];
    var first = services.indexOf('checkout-api') >= 0 ? 'checkout-api' : services[0] || 'checkout-api';
    var command = state.ws ? state.ws.command : '/pymem';
    var all = [
      { text: command + ' help', hint: 'How to use pymem' },
      { text: command + ' ' + first, hint: 'Analyse memory over the last 6 hours' },
      { text: command + ' ' + first + ' 24h', hint: 'The same over the last 24 hours' },
      { text: command + ' subscribe ' + first, hint: 'Add it to this channel’s daily digest' },
      { text: command + ' unsubscribe ' + first, hint: 'Take it out of the digest' },
      { text: command + ' list', hint: 'Services in this channel’s digest' }
    ];
    services.forEach(function (s) {
      if (s !== first) all.push({ text: command + ' ' + s, hint: 'Demo service' });
    });
    var query = text.toLowerCase();
    return all.filter(function (s) { var t = s.text.toLowerCase(); return t.indexOf(query) === 0 && t !== query; }).slice(0, 8);
  }

  function renderSuggestions() {
    var box = $('suggestions');
    box.textContent = '';
    if (suggestion.items.length === 0) { box.hidden = true; return; }
    box.appendChild(h('div', { className: 'suggestions-title', text: 'Commands' }));
    suggestion.items.forEach(function (item, i) {
      box.appendChild(h('div', {
        className: 'suggestion' + (i === suggestion.index ? ' active' : ''),
        role: 'option',
        'aria-selected': i === suggestion.index ? 'true' : 'false',
        onmousedown: function (event) { event.preventDefault(); pick(i); }
      }, [h('span', { className: 'suggestion-text', text: item.text }), h('span', { className: 'suggestion-hint', text: item.hint })]));
    });
    box.hidden = false;
  }

  function updateSuggestions() {
    var input = $('composer');
    suggestion.items = commandSuggestions(input.value);
    if (suggestion.index >= suggestion.items.length) suggestion.index = -1;
    renderSuggestions();
    $('send').disabled = input.value.trim() === '';
  }

  function pick(i) {
    var input = $('composer');
    input.value = suggestion.items[i].text;
    suggestion.index = -1;
    updateSuggestions();
    input.focus();
  }

  function addNotice(text) {
    var list = state.notices[state.channel] = state.notices[state.channel] || [];
    state.noticeCounter += 1;
    var now = Date.now();
    // Shaped like a Slack ts (never sent anywhere); the counter keeps two notices in one millisecond apart.
    var micros = now * 1000 + (state.noticeCounter % 1000);
    var ts = 'local-' + Math.floor(micros / 1e6) + '.' + String(micros % 1e6).padStart(6, '0');
    list.push({ ts: ts, local: true, user: 'USLACKBOT', text: text, blocks: [], files: [], postedAt: now, order: now });
    state.scrollToEnd = true;
    render();
  }

  function submit() {
    var input = $('composer');
    var text = input.value.trim();
    if (text === '') return;
    input.value = '';
    suggestion.items = [];
    suggestion.index = -1;
    renderSuggestions();
    $('send').disabled = true;
    state.scrollToEnd = true;
    request('POST', '/api/command', { channel: state.channel, user: state.user, text: text }).then(function (answer) {
      if (answer && answer.kind === 'notice') addNotice(answer.text);
    }).catch(function (error) {
      if (input.value === '') input.value = text;
      updateSuggestions();
      toast('pymem did not get that: ' + error.message, 'error');
    });
  }

  function wireComposer() {
    var input = $('composer');
    input.addEventListener('input', function () { suggestion.index = -1; updateSuggestions(); });
    input.addEventListener('focus', updateSuggestions);
    input.addEventListener('blur', function () { setTimeout(function () { suggestion.items = []; renderSuggestions(); }, 100); });
    input.addEventListener('keydown', function (event) {
      var open = suggestion.items.length > 0;
      if (event.key === 'ArrowDown' && open) {
        event.preventDefault();
        suggestion.index = (suggestion.index + 1) % suggestion.items.length;
        renderSuggestions();
      } else if (event.key === 'ArrowUp' && open) {
        event.preventDefault();
        suggestion.index = suggestion.index <= 0 ? suggestion.items.length - 1 : suggestion.index - 1;
        renderSuggestions();
      } else if (event.key === 'Tab' && open) {
        event.preventDefault();
        pick(suggestion.index >= 0 ? suggestion.index : 0);
      } else if (event.key === 'Escape' && open) {
        suggestion.items = [];
        renderSuggestions();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (open && suggestion.index >= 0) pick(suggestion.index);
        else submit();
      }
    });
    $('composer-form').addEventListener('submit', function (event) { event.preventDefault(); submit(); });
  }

  function wireDigest() {
    var button = $('digest-now');
    button.addEventListener('click', function () {
      button.disabled = true;
      button.textContent = 'Sending digest…';
      state.scrollToEnd = true;
      request('POST', '/api/digest', { channel: state.channel }).then(function (answer) {
        var outcome = answer && answer.outcome;
        if (outcome && outcome.outcome !== 'posted') toast('Digest not posted: ' + outcome.outcome + (outcome.detail ? ' (' + outcome.detail + ')' : ''), 'error');
      }).catch(function (error) {
        toast('The digest failed: ' + error.message, 'error');
      }).then(function () {
        button.disabled = false;
        button.textContent = 'Send digest now';
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  function start() {
    request('GET', '/api/workspace').then(function (ws) {
      state.ws = ws;
      var params = new URLSearchParams(location.search);
      state.channel = findChannel(params.get('channel')) ? params.get('channel') : ws.channels[0].id;
      state.user = findUser(params.get('user')) ? params.get('user') : ws.users[0].id;
      var picker = $('user-picker');
      ws.users.forEach(function (u) {
        picker.appendChild(h('option', { value: u.id, text: u.name }));
      });
      picker.value = state.user;
      picker.addEventListener('change', function () { selectUser(picker.value); });
      $('source-note').textContent = 'Data: ' + ws.source;
      saveLocation();
      renderSidebar();
      renderHeader();
      render();
      wireComposer();
      wireDigest();
      $('composer').disabled = false;
      connectEvents();
      return refresh();
    }).catch(function (error) {
      toast('The playground did not answer: ' + error.message, 'error');
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
