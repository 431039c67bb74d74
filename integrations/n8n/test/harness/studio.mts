/**
 * The studio the unit tier talks to: a real gateway on loopback, started by
 * tests/n8n (pytest) with instant fake model servers, handed over in the environment.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IBinaryData } from 'n8n-workflow';

import type { Credentials } from './context.mts';

function required(name: string): string {
	const value = process.env[name];
	if (!value)
		throw new Error(
			`${name} is not set: run the unit tier through pytest (tests/n8n/test_unit_tier.py)`,
		);
	return value;
}

export const studio: Credentials = {
	baseUrl: required('STUDIO_URL'),
	apiKey: required('STUDIO_API_KEY'),
};
/** Another tenant: its ids must look like missing ones to `studio`. */
export const otherTenant: Credentials = {
	baseUrl: studio.baseUrl,
	apiKey: required('STUDIO_OTHER_API_KEY'),
};
export const sampleWav = (): Buffer => readFileSync(required('STUDIO_SAMPLE_WAV'));
export const portraitPng = (): Buffer => readFileSync(required('STUDIO_PORTRAIT_PNG'));

/** A call to the REST API outside the nodes (to set up or check what they did). */
export async function api<T = any>(
	method: string,
	path: string,
	body?: unknown,
	as: Credentials = studio,
): Promise<{ status: number; body: T }> {
	const response = await fetch(`${as.baseUrl}${path}`, {
		method,
		headers: {
			Authorization: `Bearer ${as.apiKey}`,
			...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

let openapi: Promise<any> | undefined;

/** The gateway's OpenAPI document: what it offers decides which waiting tests run. */
export async function spec(): Promise<any> {
	openapi ??= fetch(`${studio.baseUrl}/docs/openapi.json`).then(
		async (response) => await response.json(),
	);
	return await openapi;
}

export async function offers(method: string, path: string): Promise<boolean> {
	return Boolean((await spec()).paths?.[path]?.[method.toLowerCase()]);
}

/** A skip reason naming the gateway addition a test waits for (GATEWAY_NEEDS.md), or false to run. */
export async function waitingFor(need: string, present: boolean): Promise<string | false> {
	return present ? false : `waits for the gateway: ${need} (integrations/n8n/GATEWAY_NEEDS.md)`;
}

export interface Delivery {
	path: string;
	headers: Record<string, string>;
	rawBody: Buffer;
}

/** An HTTP endpoint on loopback that records what the studio POSTs to it (webhooks, callbacks). */
export class Receiver {
	readonly deliveries: Delivery[] = [];
	private readonly server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const headers: Record<string, string> = {};
			for (const [key, value] of Object.entries(request.headers)) headers[key] = String(value);
			this.deliveries.push({ path: request.url ?? '/', headers, rawBody: Buffer.concat(chunks) });
			response.writeHead(204).end();
		});
	});

	async start(): Promise<this> {
		await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
		return this;
	}

	url(path = '/hook'): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
	}

	async waitFor(count: number, timeoutMs = 20_000): Promise<Delivery[]> {
		const deadline = Date.now() + timeoutMs;
		while (this.deliveries.length < count) {
			if (Date.now() > deadline)
				throw new Error(`${this.deliveries.length} deliveries, expected ${count}`);
			await new Promise((done) => setTimeout(done, 50));
		}
		return this.deliveries;
	}

	async stop(): Promise<void> {
		await new Promise((done) => this.server.close(done));
	}
}

/** A route an older gateway lacks, and how it answers it: 404 for a new path, 405 for a new method. */
export interface MissingRoute {
	method: string;
	path: RegExp;
	status: 404 | 405;
}

/**
 * A studio from before some GATEWAY_NEEDS.md addition: the real one behind a proxy on loopback
 * that answers the missing routes exactly as a gateway without them does (Litestar's bare
 * "Not Found" problem, or 405), so the nodes' fallbacks for older studios stay tested.
 */
export class OlderStudio {
	private readonly server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			void this.answer(
				request.method ?? 'GET',
				request.url ?? '/',
				request.headers,
				Buffer.concat(chunks),
			).then(({ status, type, body }) =>
				response.writeHead(status, { 'content-type': type }).end(body),
			);
		});
	});

	private readonly missing: MissingRoute[];

	constructor(missing: MissingRoute[]) {
		this.missing = missing;
	}

	private async answer(
		method: string,
		url: string,
		headers: Record<string, string | string[] | undefined>,
		body: Buffer,
	): Promise<{ status: number; type: string; body: Buffer }> {
		const path = new URL(url, 'http://studio').pathname;
		const gone = this.missing.find((route) => route.method === method && route.path.test(path));
		if (gone) {
			const title = gone.status === 404 ? 'Not Found' : 'Method Not Allowed';
			const problem = {
				type: 'about:blank',
				title,
				status: gone.status,
				detail: title,
				instance: path,
			};
			return {
				status: gone.status,
				type: 'application/problem+json',
				body: Buffer.from(JSON.stringify(problem)),
			};
		}
		const upstream = await fetch(`${studio.baseUrl}${url}`, {
			method,
			headers: Object.fromEntries(
				['authorization', 'x-api-key', 'content-type', 'accept']
					.filter((name) => typeof headers[name] === 'string')
					.map((name) => [name, headers[name] as string]),
			),
			body: method === 'GET' || method === 'HEAD' ? undefined : body,
		});
		return {
			status: upstream.status,
			type: upstream.headers.get('content-type') ?? 'application/octet-stream',
			body: Buffer.from(await upstream.arrayBuffer()),
		};
	}

	async start(): Promise<Credentials> {
		await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
		const { port } = this.server.address() as AddressInfo;
		return { baseUrl: `http://127.0.0.1:${port}`, apiKey: studio.apiKey };
	}

	async stop(): Promise<void> {
		await new Promise((done) => this.server.close(done));
	}
}

/** A signature header made the way the gateway makes it (to forge stale or foreign deliveries). */
export function sign(
	secret: string,
	body: Buffer,
	timestamp = Math.floor(Date.now() / 1000),
): string {
	const digest = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
	return `t=${timestamp},v1=${digest}`;
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export const bytesOf = (binary: IBinaryData | undefined): Buffer => {
	if (!binary) throw new Error('no binary data');
	return Buffer.from(binary.data, 'base64');
};

/** Magic numbers: the bytes really are the medium they claim to be. */
export const looksLike = {
	wav: (data: Buffer) =>
		data.subarray(0, 4).toString('latin1') === 'RIFF' &&
		data.subarray(8, 12).toString('latin1') === 'WAVE',
	png: (data: Buffer) =>
		data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
	mp4: (data: Buffer) => data.subarray(4, 8).toString('latin1') === 'ftyp',
};
