// Scenarios shared by several test files.
export const CHAT = {
  restore: 'me',
  conversations: {
    'bob@example.org': [
      { id: 1, body: 'Old news from last spring', dir: 'in', day: '2024-03-05', at: '09:15', read: true },
      { id: 2, body: 'Sure, see you then', dir: 'out', day: '2024-03-05', at: '09:20', delivered: true, seen: true },
      { id: 3, body: 'Did you get the tickets?', dir: 'in', day: -1, at: '18:00', read: true },
      { id: 4, body: 'Yes, two of them', dir: 'out', day: -1, at: '18:05', delivered: true },
      { id: 5, body: 'Sent this from my phone', dir: 'out', from: 'phone', minutesAgo: 30, delivered: true, seen: true },
      { id: 6, body: 'Great, thanks!', dir: 'in', minutesAgo: 10 },
      { id: 7, body: 'And one more thing', dir: 'in', minutesAgo: 5 },
    ],
    'carol@example.net': [
      { id: 8, body: 'Lunch tomorrow?', dir: 'in', minutesAgo: 60 * 3, read: true },
      { id: 9, body: 'Count me in', dir: 'out', minutesAgo: 60 * 2 },
    ],
    'dave@example.com': [{ id: 10, body: 'ping', dir: 'in', minutesAgo: 2 }],
  },
};

// Two rooms of ours (one with history, one without) and a one-to-one chat.
export const TEA = 'tea@conference.example.org';
export const ROOMS = {
  restore: 'me',
  rooms: [
    {
      jid: TEA,
      name: 'Tea time',
      nick: 'alice',
      status: 'joined',
      notify: 'mentions',
      occupants: [
        { nick: 'alice', role: 'participant', affiliation: 'member', jid: 'alice@example.org' },
        { nick: 'carol', role: 'visitor', affiliation: 'none', jid: null },
        { nick: 'bob', role: 'moderator', affiliation: 'owner', jid: 'bob@example.org' },
      ],
    },
    { jid: 'quiet@conference.example.org', status: 'joined' },
  ],
  conversations: {
    [TEA]: [
      { id: 20, body: 'Kettle is on', nick: 'bob', minutesAgo: 30, read: true },
      { id: 21, body: 'Coming!', dir: 'out', minutesAgo: 20 },
      { id: 22, body: 'alice: milk?', nick: 'carol', minutesAgo: 4, mention: true },
      { id: 23, body: 'and sugar', nick: 'carol', minutesAgo: 3 },
      { id: 24, body: 'Alice, biscuits?', nick: 'bob', minutesAgo: 2, mention: true },
    ],
    'bob@example.org': [{ id: 1, body: 'hi there', minutesAgo: 10, read: true }],
  },
};
