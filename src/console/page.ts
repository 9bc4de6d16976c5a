// The console's one HTML page; its behaviour is in browser/app.ts.
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Magnetar operator console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; flex: 1; }
  main, #signin { padding: 16px 20px; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
  tr.down td.health { color: #b3261e; font-weight: 600; }
  tr.up td.health { color: #1e7b34; }
  .mono { font-family: ui-monospace, monospace; font-size: 12px; }
  .quiet, #updated, #stream { color: #667; }
  button { font-size: 12px; margin: 1px; }
  #activity { font-family: ui-monospace, monospace; font-size: 12px; max-height: 220px; overflow: auto; margin: 0; padding-left: 18px; }
  #signin form { display: grid; gap: 8px; max-width: 280px; }
  #signin-error { color: #b3261e; }
</style>
</head>
<body>
<header><h1>Magnetar operator console</h1><span id="who"></span><span id="updated"></span><span id="stream"></span><button id="signout">Sign out</button></header>
<div id="signin">
  <form id="signin-form">
    <label>User <input name="username" value="admin" autocomplete="username"></label>
    <label>Password <input name="password" type="password" autocomplete="current-password"></label>
    <label>Project <input name="project" value="admin"></label>
    <button type="submit">Sign in</button>
    <div id="signin-error"></div>
  </form>
</div>
<main id="main" hidden>
  <section><h2>Hosts</h2><div id="hosts"></div></section>
  <section><h2>Migrations in flight</h2><div id="migrations"></div></section>
  <section><h2>Servers</h2><label>Target host for moves <input id="target" placeholder="(the scheduler chooses)"></label><div id="servers"></div></section>
  <section><h2>Activity</h2><ul id="activity"></ul></section>
</main>
<script type="module" src="/static/console/browser/app.js"></script>
</body>
</html>
`;
