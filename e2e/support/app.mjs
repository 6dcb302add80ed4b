// Every selector the e2e tests use on the app's UI (ui/src), in one place. They prefer
// accessible names and data attributes over styling classes; where only a class exists, it
// is marked "(class)" so the UI can add a data-testid later without hunting through specs.
/* global $ */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const sel = {
  /** The start-up splash (App.svelte). */
  splash: '.splash[role="status"]',
  /** The sign-in screen's form (SignIn.svelte): shown when restore() found no account. */
  signInForm: 'form[aria-labelledby="signin-title"]',
  /** The sidebar's conversation list (Sidebar.svelte). */
  conversationList: 'nav[aria-label="Conversations"]',
  /** The signed-in account's bare JID (class). */
  me: '.me-jid',
  /** The connection status, "Connected" / "Reconnecting…" / "Offline". */
  connection: 'aside .conn[role="status"]',
  /** One conversation's row in the list, by bare JID. */
  conversation: (peer) => `nav[aria-label="Conversations"] button[data-peer="${peer}"]`,
  /** Inside a row: its last message's preview (class) and its unread badge ("N unread"). */
  preview: '.preview',
  unreadBadge: '[aria-label$=" unread"]',
  /** The open conversation (Conversation.svelte) and its message list. */
  messages: (peer) => `[role="region"][aria-label="Messages with ${peer}"]`,
  /** A message bubble (MessageBubble.svelte): data-id, class out/in (class). */
  message: '.msg[data-id]',
  outgoing: '.msg.out[data-id]',
  /** The composer's field (Composer.svelte, labelled "Message to PEER"). */
  composer: '#composer-field',
  /** The sidebar's "Join a room" button, and its dialog (RoomDialog.svelte, data-testid). */
  joinRoomButton: 'button*=Join a room',
  roomDialog: 'dialog[data-testid="room-dialog"]',
  roomAddressField: '#room-jid',
  roomNickField: '#room-nick',
  /** An open room (Conversation.svelte with data-room) and its message list ("Messages in NAME"). */
  roomView: 'section.conversation[data-room]',
  roomMessages: 'section.conversation[data-room] [role="region"][aria-label^="Messages in "]',
  /** Inside a room's message bubble: the nick of who wrote it (class). */
  nick: '.nick',
  /** The room header's state ("Joining…", "Joined", ...) (class) and its people count button. */
  roomState: '.head .state',
  roomPeople: 'button[aria-controls="occupants"]',
  /** The room header's "Invite…" (RoomHeader.svelte), its dialog (InviteDialog.svelte) and the
   *  "Invitation sent to JID." line it leaves in the header (class). */
  inviteButton: 'button=Invite…',
  inviteDialog: 'dialog[data-testid="invite-dialog"]',
  inviteField: '#invite-jid',
  invited: 'p.invited[role="status"]',
  /** The "Back to conversations" button of the narrow layout (class; its name is sr-only text). */
  backToList: 'button.back',
};

/** Waits until the main screen (the conversation list) is shown, after the splash. */
export async function waitForConversationList(timeout = 60_000) {
  const list = await $(sel.conversationList);
  try {
    await list.waitForDisplayed({ timeout });
  } catch {
    const signIn = await $(sel.signInForm).isExisting().catch(() => false);
    const splash = await $(sel.splash).isExisting().catch(() => false);
    throw new Error(
      `the conversation list did not appear in ${timeout} ms (sign-in form shown: ${signIn}, splash shown: ${splash})`,
    );
  }
  return list;
}

/** The row of `peer` in the conversation list, once it exists. */
export async function conversationRow(peer, timeout = 20_000) {
  const row = await $(sel.conversation(peer));
  await row.waitForExist({ timeout, timeoutMsg: `no conversation with ${peer} in the list` });
  return row;
}

/** The preview text of the row of `peer`. */
export async function previewOf(peer) {
  return textOf(await (await conversationRow(peer)).$(sel.preview));
}

/**
 * An element's text content. WebKitWebDriver's getText answers "" for text clipped with
 * `text-overflow: ellipsis` (a preview, a long JID), so the DOM's own text is read instead.
 */
export async function textOf(element) {
  return ((await element.getProperty('textContent')) ?? '').trim();
}

/** The unread count shown on the row of `peer` (0 when no badge). */
export async function unreadOf(peer) {
  const badge = await (await conversationRow(peer)).$(sel.unreadBadge);
  if (!(await badge.isExisting())) return 0;
  const label = await badge.getAttribute('aria-label');
  return Number.parseInt(label, 10);
}

/**
 * Shows "Your devices" (the sidebar's App menu): nothing on that screen reads a conversation,
 * so what arrives notifies (no "viewing" decision) and stays unread.
 */
export async function showDevices(timeout = 10_000) {
  await (await (await $('nav[aria-label="App"]')).$('button*=Your devices')).click();
  await (await $('h1=Your devices')).waitForDisplayed({ timeout });
}

/** Leaves an open conversation for the Home view (the list stays on screen). */
export async function showHome() {
  // The list is always visible in the wide layout; Escape / Back are for the narrow one.
  const back = await $(sel.backToList);
  if ((await back.isExisting()) && (await back.isDisplayed())) await back.click();
}

/**
 * Saves a screenshot of the whole X screen (the app's window and any notification popups) to
 * `dir/name.png` with ImageMagick's `import`. WebDriver's own screenshot command hangs in
 * WebKitWebDriver under Xvfb (seen with WebKitGTK 2.50), so it is not used. Never fails a test.
 */
export async function screenshot(dir, name) {
  try {
    await run('import', ['-display', process.env.DISPLAY, '-window', 'root', `${dir}/${name}.png`], { timeout: 10_000 });
  } catch (e) {
    console.warn(`screenshot ${name}: ${e.message}`);
  }
}
