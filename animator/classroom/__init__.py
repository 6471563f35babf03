"""The class follows along: a small web server that puts the lecture on the students' phones.

The lecturer presents; students open a short URL (or scan a QR code) and get the scene in the
HTML player, driven live by the presenter's steps, seeks, blanks and quiz reveals; they answer the
quizzes on their phones and the presenter sees the answers come in. Qt-free: the command line runs
it headless (``packetstage share``) and the app starts the same server beside its event loop.

- ``messages``: the JSON messages and their schema (sizes, fields, ranges);
- ``state``: the live lecture and the quiz tallies (plain data, no network);
- ``codes``: the join code, the presenter token and QR codes;
- ``address``: which address to listen on (the default route's interface);
- ``page``: the player page, live, for students and for the presenter's remote;
- ``server``: aiohttp in a thread of its own, WebSockets per student.
"""
