import type { App } from './app.js';
import { el, time } from './dom.js';
import { type Conv, type State, typingLine } from './state.js';

function nickScreen(app: App): HTMLElement {
  const input = el('input', {
    id: 'nick',
    name: 'nick',
    placeholder: 'a nick, or leave empty for a guest name',
    maxlength: 24,
    autocomplete: 'off',
    value: app.s.wantedNick ?? '',
  });
  const go = (ev: Event) => {
    ev.preventDefault();
    app.pickNick(input.value);
  };
  return el(
    'main',
    { class: 'welcome' },
    el('h1', {}, 'chatfleet'),
    el('p', {}, 'Talk to a random stranger, or to a room full of people.'),
    el(
      'form',
      { onsubmit: go },
      input,
      el('button', { type: 'submit', id: 'start' }, 'Start chatting'),
    ),
    app.s.status !== 'online' ? el('p', { class: 'muted' }, 'connecting…') : null,
  );
}

function strangerCard(app: App): HTMLElement {
  const tags = el('input', {
    id: 'tags',
    placeholder: 'interests, e.g. music go',
    value: app.s.tags.join(' '),
  });
  const find = (ev: Event) => {
    ev.preventDefault();
    app.findStranger(tags.value);
  };
  return el(
    'section',
    { class: 'card' },
    el('h2', {}, 'Talk to a stranger'),
    app.s.waiting
      ? el(
          'p',
          { class: 'waiting', id: 'waiting' },
          `Looking for someone${app.s.tags.length ? ` who likes ${app.s.tags.join(', ')}` : ''}…`,
        )
      : el(
          'form',
          { onsubmit: find },
          tags,
          el('button', { type: 'submit', id: 'find' }, 'Find a stranger'),
        ),
  );
}

function roomsCard(app: App): HTMLElement {
  const name = el('input', {
    id: 'room',
    placeholder: 'room name',
    maxlength: 64,
    autocomplete: 'off',
  });
  const pw = el('input', {
    id: 'password',
    placeholder: 'password (optional)',
    type: 'password',
    maxlength: 128,
  });
  const join = (ev: Event) => {
    ev.preventDefault();
    app.join(name.value, pw.value || undefined);
    name.value = '';
    pw.value = '';
  };
  const list = app.s.lobby.length
    ? el(
        'ul',
        { class: 'lobby', id: 'lobby' },
        ...app.s.lobby.map((r) =>
          el(
            'li',
            {},
            el(
              'button',
              {
                class: 'link',
                'data-room': r.room,
                onclick: () => (r.locked ? name.focus() : app.join(r.room)),
              },
              `#${r.room}`,
            ),
            el('span', { class: 'count' }, `${r.count}${r.locked ? ', locked' : ''}`),
          ),
        ),
      )
    : el('p', { class: 'muted' }, 'No rooms yet: open one.');
  return el(
    'section',
    { class: 'card' },
    el('h2', {}, 'Rooms'),
    list,
    el(
      'form',
      { onsubmit: join, class: 'join' },
      name,
      pw,
      el('button', { type: 'submit', id: 'join' }, 'Join'),
    ),
  );
}

function chatsCard(app: App): HTMLElement {
  const convs = [...app.s.convs.values()];
  const peer = el('input', {
    id: 'dm-nick',
    placeholder: 'nick',
    maxlength: 24,
    autocomplete: 'off',
  });
  const dm = (ev: Event) => {
    ev.preventDefault();
    const nick = peer.value.trim();
    if (!/^[A-Za-z0-9_-]{1,24}$/.test(nick))
      return app.toast('Nicks are 1–24 letters, digits, _ or -.');
    peer.value = '';
    app.openDm(nick);
  };
  return el(
    'section',
    { class: 'card' },
    el('h2', {}, 'Your chats'),
    convs.length
      ? el(
          'ul',
          { class: 'chats' },
          ...convs.map((c) =>
            el(
              'li',
              { class: c.key === app.s.active ? 'active' : '' },
              el('button', { class: 'link', onclick: () => app.open(c.key) }, c.title),
              c.unread ? el('span', { class: 'badge' }, String(c.unread)) : null,
            ),
          ),
        )
      : null,
    el('form', { onsubmit: dm }, peer, el('button', { type: 'submit', id: 'dm-open' }, 'Message')),
  );
}

function conversation(app: App, c: Conv): HTMLElement {
  const input = el('input', {
    id: 'text',
    placeholder: c.ended ? 'this chat has ended' : 'say something…',
    maxlength: 2000,
    autocomplete: 'off',
    disabled: c.ended ?? false,
  });
  const send = (ev: Event) => {
    ev.preventDefault();
    app.say(c, input.value);
    input.value = '';
  };
  input.addEventListener('input', () => app.typing(c, input.value));
  const typing = typingLine(c, Date.now());
  const me = app.s.nick;
  const list = el(
    'ol',
    { class: 'messages', id: 'messages' },
    ...c.items.map((it) =>
      it.kind === 'notice'
        ? el('li', { class: 'notice' }, it.text)
        : el(
            'li',
            { class: it.from === me ? 'msg mine' : 'msg', 'data-id': it.id },
            el('span', { class: 'from' }, it.from),
            el('span', { class: 'text' }, it.text),
            el('time', {}, time(it.ts)),
          ),
    ),
  );
  const actions = el(
    'div',
    { class: 'actions' },
    c.type === 'room'
      ? el(
          'button',
          {
            class: 'ghost',
            id: 'members-toggle',
            onclick: () => ((app.s.showMembers = !app.s.showMembers), app.render()),
          },
          `${c.members.length} here`,
        )
      : null,
    c.type === 'match'
      ? el(
          'button',
          {
            id: 'next',
            onclick: () => (c.ended ? app.findStranger(app.s.tags.join(' ')) : app.next()),
          },
          c.ended ? 'Find another' : 'Next',
        )
      : null,
    c.type !== 'room'
      ? el(
          'button',
          { class: 'ghost', id: 'report', onclick: () => app.ask(c, 'report') },
          'Report',
        )
      : null,
    c.type !== 'room'
      ? el('button', { class: 'ghost', id: 'block', onclick: () => app.ask(c, 'block') }, 'Block')
      : null,
    el(
      'button',
      { class: 'ghost', id: 'leave', onclick: () => app.leave(c) },
      c.type === 'dm' || c.ended ? 'Close' : 'Leave',
    ),
  );
  const members =
    app.s.showMembers && c.type === 'room'
      ? el(
          'ul',
          { class: 'members', id: 'members' },
          ...c.members.map((n) =>
            el(
              'li',
              {},
              n === me
                ? el('span', {}, `${n} (you)`)
                : el(
                    'button',
                    { class: 'link', title: 'send a direct message', onclick: () => app.openDm(n) },
                    n,
                  ),
            ),
          ),
        )
      : null;
  const view = el(
    'section',
    { class: 'conversation' },
    el('header', {}, el('h2', { id: 'title' }, c.title), actions),
    app.s.asking?.conv === c.key ? askBar(app, c, app.s.asking.kind) : null,
    members,
    list,
    el('div', { class: 'typing', id: 'typing', 'aria-live': 'polite' }, typing ?? ''),
    el(
      'form',
      { class: 'composer', onsubmit: send },
      input,
      el('button', { type: 'submit', id: 'send', disabled: c.ended ?? false }, 'Send'),
    ),
  );
  requestAnimationFrame(() => {
    list.scrollTop = list.scrollHeight;
  });
  return view;
}

/** Asks before a block or a report goes out; a report may say what happened. */
function askBar(app: App, c: Conv, kind: 'block' | 'report'): HTMLElement {
  const nick = app.peerOf(c) ?? '';
  const cancel = el(
    'button',
    { type: 'button', class: 'ghost', onclick: () => app.ask(c, kind) },
    'Cancel',
  );
  if (kind === 'block')
    return el(
      'div',
      { class: 'ask', id: 'ask' },
      el('span', {}, `Block ${nick}? You will not be matched or exchange DMs again.`),
      el('button', { type: 'button', id: 'block-confirm', onclick: () => app.block(c) }, 'Block'),
      cancel,
    );
  const reason = el('input', {
    id: 'report-reason',
    placeholder: `What did ${nick} do? (optional)`,
    maxlength: 500,
    autocomplete: 'off',
  });
  const send = (ev: Event) => {
    ev.preventDefault();
    app.report(c, reason.value);
  };
  return el(
    'form',
    { class: 'ask', id: 'ask', onsubmit: send },
    reason,
    el('button', { type: 'submit', id: 'report-send' }, 'Send report'),
    cancel,
  );
}

function statusLine(s: State): HTMLElement {
  const text =
    s.status === 'online'
      ? 'online'
      : s.status === 'connecting'
        ? 'connecting…'
        : `offline${s.retryInMs ? `, retrying in ${Math.ceil(s.retryInMs / 1000)} s` : ''}`;
  return el('span', { class: `status ${s.status}`, id: 'status' }, text);
}

export function view(app: App): HTMLElement {
  const s = app.s;
  const toasts = el(
    'div',
    { class: 'toasts', role: 'status' },
    ...s.toasts.map((t) => el('div', { class: 'toast' }, t.text)),
  );
  if (s.fatal)
    return el(
      'div',
      { class: 'shell' },
      el('main', { class: 'welcome' }, el('p', { id: 'fatal' }, s.fatal)),
    );
  if (!s.nick || s.renaming) return el('div', { class: 'shell' }, nickScreen(app), toasts);
  const active = app.active;
  return el(
    'div',
    { class: `shell${s.showMenu || !active ? ' menu-open' : ''}` },
    el(
      'header',
      { class: 'top' },
      el(
        'button',
        {
          class: 'ghost menu',
          id: 'menu',
          onclick: () => ((s.showMenu = !s.showMenu), app.render()),
        },
        '☰',
      ),
      el('strong', {}, 'chatfleet'),
      statusLine(s),
      el(
        'button',
        {
          class: 'ghost me',
          id: 'me',
          title: 'change your nick',
          onclick: () => ((s.renaming = true), app.render()),
        },
        s.nick,
      ),
    ),
    el('aside', {}, strangerCard(app), chatsCard(app), roomsCard(app)),
    active
      ? conversation(app, active)
      : el(
          'section',
          { class: 'conversation empty' },
          el('p', { class: 'muted' }, 'Pick a room, or find a stranger.'),
        ),
    toasts,
  );
}
