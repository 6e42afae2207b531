/**
 * The simulator's verification pages: what a person sees after scanning the
 * kiosk's QR code. Self-contained (inline CSS, no scripts, no external assets)
 * so the demo works offline and on any phone.
 */

export type VerifyResult = 'approved' | 'denied' | 'unknown';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
  font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f0f2f5;color:#1b1d21;padding:16px}
main{background:#fff;border-radius:16px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:28px 24px;width:100%;max-width:420px}
.brand{font-size:13px;letter-spacing:.08em;text-transform:uppercase;color:#5b6270;margin:0 0 8px}
h1{font-size:22px;line-height:1.3;margin:0 0 16px}
p{margin:0 0 16px;color:#3c4049}
.code{font:600 28px/1.2 ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.12em;text-align:center;
  background:#f5f7fa;border:1px dashed #c5cad3;border-radius:10px;padding:14px;margin:0 0 20px}
label{display:block;font-size:14px;font-weight:600;margin:0 0 6px}
input{width:100%;font:inherit;padding:12px;border:1px solid #c5cad3;border-radius:10px;margin:0 0 20px}
input:focus{outline:2px solid #0b7fd6;border-color:transparent}
.actions{display:flex;gap:12px}
button{flex:1;font:inherit;font-weight:600;padding:14px;border-radius:999px;border:0;cursor:pointer}
button[value=approve],button.primary{background:#0b7fd6;color:#fff}
button[value=deny]{background:#fff;color:#b42318;border:1px solid #e4b4ae}
.note{font-size:13px;color:#6b7280;margin:16px 0 0}
.ok{color:#067647}.no{color:#b42318}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Webex (simulated)</title>
<style>${STYLE}</style>
</head>
<body><main>
<p class="brand">Webex · simulator</p>
${body}
<p class="note">This is the built-in Webex simulator, not the real Webex sign-in.</p>
</main></body>
</html>`;
}

/** Asks for the code shown on the kiosk (when the link carried none, or a bad one). */
export function renderCodeEntry(problem?: string): string {
  const warning = problem === undefined ? '' : `<p class="no">${escapeHtml(problem)}</p>`;
  return layout(
    'Enter your code',
    `<h1>Sign in on a kiosk</h1>
${warning}
<form method="get" action="verify">
<label for="userCode">Code shown on the kiosk</label>
<input id="userCode" name="userCode" autocomplete="off" autocapitalize="characters"
  spellcheck="false" inputmode="text" maxlength="24" placeholder="XXXX-XXXX" required>
<div class="actions"><button class="primary" type="submit">Continue</button></div>
</form>`,
  );
}

/**
 * The code as a kiosk shows it (RFC 8628 §6.1: grouped, `LELW-2DY9`), so the person can compare
 * it at a glance. The form still carries the code itself.
 */
export function groupedCode(userCode: string): string {
  return userCode.length === 8 ? `${userCode.slice(0, 4)}-${userCode.slice(4)}` : userCode;
}

/** The consent screen for one code. */
export function renderConsent(userCode: string, defaultName: string): string {
  return layout(
    'Approve kiosk sign-in',
    `<h1>Kiosk Sign-in wants to use your Webex account</h1>
<p>Check that this code matches the one on the kiosk screen.</p>
<div class="code" aria-label="Code">${escapeHtml(groupedCode(userCode))}</div>
<form method="post" action="verify">
<input type="hidden" name="userCode" value="${escapeHtml(userCode)}">
<label for="displayName">Sign in as</label>
<input id="displayName" name="displayName" value="${escapeHtml(defaultName)}" maxlength="80">
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve">Approve</button>
</div>
</form>`,
  );
}

export function renderResult(result: VerifyResult, displayName?: string): string {
  switch (result) {
    case 'approved':
      return layout(
        'Signed in',
        `<h1 class="ok">You're signed in on the kiosk</h1>
<p>${displayName === undefined ? '' : `Welcome, ${escapeHtml(displayName)}. `}You can put your phone away.</p>`,
      );
    case 'denied':
      return layout('Declined', `<h1 class="no">Declined</h1><p>The kiosk was not given access to your account.</p>`);
    case 'unknown':
      return layout(
        'Unknown code',
        `<h1 class="no">That code is unknown or expired</h1>
<p>Start again on the kiosk to get a new code.</p>`,
      );
  }
}
