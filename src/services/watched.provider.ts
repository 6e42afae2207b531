import { classifyTransportError, parseRetryAfter } from '../device-flow/classify-token-answer';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { TokenAnswer } from '../device-flow/token-answer';
import { causeOfAuthorizeFailure, causeOfTokenAnswer, isHealthyTokenAnswer } from '../domain/upstream';
import {
  DeviceAuthorization,
  IdentityProvider,
  ProfileAnswer,
  ProviderDescription,
  ProviderRequestError,
  RevokeOutcome,
} from '../repositories/identity-provider';
import { UpstreamService } from './upstream.service';

/**
 * The identity provider as the services see it: the configured one (Webex or OIDC), with every
 * answer reported to `UpstreamService` on the way back, so operators learn why sign-ins fail
 * whichever process and call met the trouble. Answers and errors pass through unchanged.
 */
export class WatchedProvider extends IdentityProvider {
  readonly description: ProviderDescription;

  constructor(
    private readonly inner: IdentityProvider,
    private readonly upstream: UpstreamService,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.description = inner.description;
  }

  async authorize(signal?: AbortSignal): Promise<DeviceAuthorization> {
    try {
      const authorization = await this.inner.authorize(signal);
      this.upstream.answered();
      return authorization;
    } catch (err) {
      if (err instanceof ProviderRequestError) this.upstream.failed(authorizeFailure(err, this.now()));
      throw err;
    }
  }

  async pollToken(deviceCode: string, signal?: AbortSignal): Promise<TokenAnswer> {
    return this.watched('token', await this.inner.pollToken(deviceCode, signal));
  }

  async refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenAnswer> {
    return this.watched('refresh', await this.inner.refresh(refreshToken, signal));
  }

  async getProfile(accessToken: string, signal?: AbortSignal): Promise<ProfileAnswer> {
    const answer = await this.inner.getProfile(accessToken, signal);
    if (answer.kind === 'ok' || answer.kind === 'unauthorized') this.upstream.answered();
    else if (answer.kind === 'rate_limited') {
      const now = this.now();
      const until = now + (parseRetryAfter(answer.retryAfter, now) ?? DEFAULT_RETRY_AFTER_MS);
      this.upstream.failed({
        call: 'profile',
        cause: 'rate_limited',
        status: 429,
        code: null,
        message: 'rate limited (HTTP 429)',
        until,
      });
    } else if (answer.transient) {
      const unreachable = answer.description === 'timed out' || answer.description === 'connection failed';
      const cause = unreachable ? (answer.description === 'timed out' ? 'timeout' : 'unreachable') : 'server_error';
      this.upstream.failed({ call: 'profile', cause, status: null, code: null, message: answer.description, until: null });
    }
    return answer;
  }

  revoke(token: string, hint: 'refresh_token' | 'access_token', signal?: AbortSignal): Promise<RevokeOutcome> {
    return this.inner.revoke(token, hint, signal);
  }

  private watched(call: 'token' | 'refresh', answer: TokenAnswer): TokenAnswer {
    if (isHealthyTokenAnswer(answer)) this.upstream.answered();
    const failure = causeOfTokenAnswer(call, answer, this.now());
    if (failure) this.upstream.failed(failure);
    return answer;
  }
}

function authorizeFailure(err: ProviderRequestError, now: number) {
  // No answer at all: the cause chain says whether it timed out or could not connect.
  const transport = err.status === null ? classifyTransportError(err.cause) : null;
  const reason = transport?.kind === 'transient' ? transport.reason : null;
  // The transport's own words ("fetch failed (ECONNREFUSED)") say more than ours.
  const message = transport?.kind === 'transient' ? transport.description : err.message;
  return causeOfAuthorizeFailure(
    {
      status: err.status,
      code: err.code,
      transport: reason === 'timeout' ? 'timeout' : reason === null ? null : 'network',
      retryAfterMs: err.retryAfterMs,
    },
    message,
    now,
  );
}
