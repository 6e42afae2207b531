/**
 * A phone's browser for the test OpenID provider's pages: just enough HTML form handling to
 * enter a user code, confirm or abort, log in and consent, the way a person would.
 */

interface Form {
  action: string;
  fields: Record<string, string>;
}

/**
 * A phone's browser, reduced to what the provider's pages need: a cookie jar, manual redirects,
 * and submitting the page's forms with their hidden fields (the XSRF token included).
 */
export class Browser {
  private readonly cookies = new Map<string, string>();
  private confirmForm: Form | null = null;

  constructor(private readonly origin: string) {}

  /** The user code page (`verification_uri`), then the code typed in: lands on the confirmation page. */
  async enterCode(userCode: string): Promise<this> {
    const input = firstForm(await this.go('GET', '/device'));
    const confirmPage = await this.go('POST', input.action, { ...input.fields, user_code: userCode });
    this.confirmForm = firstForm(confirmPage);
    if (this.confirmForm.fields.confirm !== 'yes') throw new Error(`no confirmation form for ${userCode}:\n${confirmPage}`);
    return this;
  }

  async abort(): Promise<void> {
    const page = await this.go('POST', this.form().action, { ...this.form().fields, abort: 'yes' });
    if (!page.includes('interrupted')) throw new Error(`abort did not land on the aborted page:\n${page}`);
  }

  /** Confirm → login (any password works in development interactions) → consent → success page. */
  async confirmAndSignIn(accountId: string): Promise<void> {
    let page = await this.go('POST', this.form().action, this.form().fields);
    for (let step = 0; step < 4 && !page.includes('Sign-in Success'); step++) {
      const form = firstForm(page);
      const fields = form.fields.prompt === 'login' ? { ...form.fields, login: accountId, password: 'any' } : form.fields;
      page = await this.go('POST', form.action, fields);
    }
    if (!page.includes('Sign-in Success')) throw new Error(`sign-in did not succeed:\n${page}`);
  }

  private form(): Form {
    if (!this.confirmForm) throw new Error('enterCode first');
    return this.confirmForm;
  }

  /** One request, then redirects followed by GET, carrying cookies throughout; returns the final page. */
  private async go(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<string> {
    let url = new URL(path, this.origin).toString();
    let init: RequestInit = { method, body: form ? new URLSearchParams(form).toString() : undefined };
    for (let hop = 0; hop < 10; hop++) {
      const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
      if (init.body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(url, { ...init, headers, redirect: 'manual' });
      this.keepCookies(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url).toString();
        init = { method: 'GET' };
        continue;
      }
      const text = await res.text();
      if (res.status >= 400) throw new Error(`${init.method} ${url} answered ${res.status}:\n${text}`);
      return text;
    }
    throw new Error(`too many redirects from ${path}`);
  }

  private keepCookies(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** The first form of a page: its action and every named input with a value (hidden fields included). */
function firstForm(html: string): Form {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form on the page:\n${html}`);
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/.exec(input[0])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input[0])?.[1];
    if (name !== undefined && value !== undefined) fields[name] = decodeHtml(value);
  }
  return { action: decodeHtml(form[1]), fields };
}

function decodeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
