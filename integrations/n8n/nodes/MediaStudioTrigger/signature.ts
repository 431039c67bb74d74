import { createHmac, timingSafeEqual } from 'crypto';

/** The header that carries `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`. */
export const SIGNATURE_HEADER = 'x-studio-signature';

export type Verdict = { ok: true } | { ok: false; reason: string };

/**
 * Check a delivery the way the gateway signs it (studio.gateway.domain.webhooks.signing):
 * the HMAC must match the raw body byte for byte, and the timestamp must be within
 * `toleranceSeconds` of now, so a captured delivery cannot be replayed later.
 */
export function verifySignature(
	secret: string,
	rawBody: Buffer,
	header: string | undefined,
	toleranceSeconds: number,
	nowSeconds: number = Date.now() / 1000,
): Verdict {
	if (!header) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
	const fields = new Map<string, string>();
	for (const part of header.split(',')) {
		const at = part.indexOf('=');
		if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
	}
	const timestamp = Number(fields.get('t'));
	const given = fields.get('v1') ?? '';
	if (!Number.isInteger(timestamp) || !/^[0-9a-f]{64}$/.test(given)) {
		return { ok: false, reason: 'malformed signature header' };
	}
	if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
		return { ok: false, reason: `timestamp outside the ${toleranceSeconds} s replay window` };
	}
	const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
	if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) {
		return { ok: false, reason: 'signature does not match' };
	}
	return { ok: true };
}
