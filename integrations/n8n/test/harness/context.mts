/**
 * Stub n8n function contexts: just the members the nodes call, doing what n8n does,
 * with real HTTP to the studio. A node calling anything else fails with a TypeError,
 * so the stubs cannot silently hide a dependency the real n8n would not satisfy.
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	IWebhookFunctions,
} from 'n8n-workflow';
import { MediaStudioApi } from '../../dist/credentials/MediaStudioApi.credentials.js';

export interface Credentials {
	baseUrl: string;
	apiKey: string;
}

/** One request a node made, as the studio received it. */
export interface Recorded {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string>;
	body: unknown;
	status: number;
}

const NODE: INode = {
	id: 'stub-node',
	name: 'Media Studio',
	type: 'CUSTOM.mediaStudio',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** `={{$credentials.apiKey}}`-style values of the credential's `authenticate`, resolved. */
export function resolve(template: string, credentials: Credentials): string {
	const body = template.startsWith('=') ? template.slice(1) : template;
	return body.replace(
		/\{\{\s*\$credentials\??\.(\w+)\s*\}\}/g,
		(_, name: keyof Credentials) => credentials[name],
	);
}

/** Applies the credential class's own `authenticate` block, as n8n's credentials helper does. */
export function authenticate(
	options: IHttpRequestOptions,
	credentials: Credentials,
): IHttpRequestOptions {
	const definition = new MediaStudioApi().authenticate.properties;
	const headers: IDataObject = { ...options.headers };
	for (const [name, value] of Object.entries(definition.headers ?? {}))
		headers[name] = resolve(String(value), credentials);
	return { ...options, headers };
}

/** What n8n's httpRequest does for the options these nodes use, over fetch. */
export async function httpRequest(options: IHttpRequestOptions, log: Recorded[]): Promise<unknown> {
	const url = new URL(options.url, options.baseURL);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
	}
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(options.headers ?? {}))
		headers[key.toLowerCase()] = String(value);
	let body: Uint8Array | string | undefined;
	if (Buffer.isBuffer(options.body)) {
		body = new Uint8Array(options.body);
	} else if (options.body !== undefined && options.method !== 'GET') {
		body = JSON.stringify(options.body);
		headers['content-type'] ??= 'application/json';
	}
	const response = await fetch(url, { method: options.method ?? 'GET', headers, body });
	const bytes = Buffer.from(await response.arrayBuffer());
	let parsed: unknown = bytes;
	if (options.encoding !== 'arraybuffer') {
		const text = bytes.toString('utf8');
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = text;
		}
	}
	log.push({
		method: options.method ?? 'GET',
		path: url.pathname,
		query: Object.fromEntries(url.searchParams),
		headers,
		body: Buffer.isBuffer(options.body) ? `<${options.body.length} bytes>` : options.body,
		status: response.status,
	});
	if (!options.ignoreHttpStatusErrors && response.status >= 400) {
		throw new Error(`Request failed with status code ${response.status}`);
	}
	const responseHeaders: IDataObject = {};
	response.headers.forEach((value, key) => (responseHeaders[key] = value));
	return options.returnFullResponse
		? {
				body: parsed,
				headers: responseHeaders,
				statusCode: response.status,
				statusMessage: response.statusText,
			}
		: parsed;
}

/** A dotted-path parameter lookup with n8n's fallback and resource-locator semantics. */
function parameter(
	parameters: IDataObject,
	name: string,
	fallback: unknown,
	extractValue?: boolean,
): unknown {
	let value: unknown = parameters;
	for (const part of name.split('.')) {
		value = typeof value === 'object' && value !== null ? (value as IDataObject)[part] : undefined;
	}
	if (value === undefined) {
		if (fallback === undefined) throw new Error(`Could not get parameter "${name}"`);
		return fallback;
	}
	if (extractValue && typeof value === 'object' && value !== null && 'mode' in value) {
		return (value as IDataObject).value;
	}
	return value;
}

function requestHelpers(credentials: Credentials, log: Recorded[]) {
	return {
		async httpRequestWithAuthentication(_type: string, options: IHttpRequestOptions) {
			return await httpRequest(authenticate(options, credentials), log);
		},
		returnJsonArray(data: IDataObject | IDataObject[]): INodeExecutionData[] {
			return (Array.isArray(data) ? data : [data]).map((json) => ({ json }));
		},
	};
}

export interface ExecuteOptions {
	credentials: Credentials;
	parameters: IDataObject;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
}

export function executeContext(options: ExecuteOptions): {
	ctx: IExecuteFunctions;
	requests: Recorded[];
} {
	const requests: Recorded[] = [];
	const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
	const binaryOf = (itemIndex: number, property: string): IBinaryData => {
		const binary = items[itemIndex]?.binary?.[property];
		if (!binary)
			throw new Error(
				`This operation expects the node's input data to contain a binary file '${property}', but none was found [item ${itemIndex}]`,
			);
		return binary;
	};
	const ctx = {
		getInputData: () => items,
		getNode: () => ({ ...NODE, parameters: options.parameters }),
		getNodeParameter: (
			name: string,
			_itemIndex: number,
			fallback?: unknown,
			extra?: { extractValue?: boolean },
		) => parameter(options.parameters, name, fallback, extra?.extractValue),
		getCredentials: async () => options.credentials,
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => undefined,
		helpers: {
			...requestHelpers(options.credentials, requests),
			assertBinaryData: binaryOf,
			getBinaryDataBuffer: async (itemIndex: number, property: string) =>
				Buffer.from(binaryOf(itemIndex, property).data, 'base64'),
			prepareBinaryData: async (
				data: Buffer,
				fileName?: string,
				mimeType?: string,
			): Promise<IBinaryData> => ({
				data: data.toString('base64'),
				mimeType: mimeType ?? 'application/octet-stream',
				fileName,
				fileExtension: fileName?.includes('.') ? fileName.split('.').pop() : undefined,
				fileSize: `${data.length} B`,
				bytes: data.length,
			}),
		},
	};
	return { ctx: ctx as unknown as IExecuteFunctions, requests };
}

export function loadOptionsContext(credentials: Credentials): {
	ctx: ILoadOptionsFunctions;
	requests: Recorded[];
} {
	const requests: Recorded[] = [];
	const ctx = {
		getNode: () => NODE,
		getCredentials: async () => credentials,
		helpers: requestHelpers(credentials, requests),
	};
	return { ctx: ctx as unknown as ILoadOptionsFunctions, requests };
}

export interface HookOptions {
	credentials: Credentials;
	parameters: IDataObject;
	staticData: IDataObject;
	webhookUrl: string;
}

export function hookContext(options: HookOptions): { ctx: IHookFunctions; requests: Recorded[] } {
	const requests: Recorded[] = [];
	const ctx = {
		getNode: () => ({ ...NODE, name: 'Media Studio Trigger', parameters: options.parameters }),
		getNodeParameter: (name: string, fallback?: unknown) =>
			parameter(options.parameters, name, fallback),
		getWorkflowStaticData: (kind: string) => {
			if (kind !== 'node') throw new Error(`unexpected static data kind ${kind}`);
			return options.staticData;
		},
		getNodeWebhookUrl: (name: string) => (name === 'default' ? options.webhookUrl : undefined),
		getCredentials: async () => options.credentials,
		helpers: requestHelpers(options.credentials, requests),
	};
	return { ctx: ctx as unknown as IHookFunctions, requests };
}

/** What the trigger's webhook() answered on its own (when it refuses a delivery). */
export interface Answer {
	status?: number;
	body?: unknown;
}

export interface WebhookOptions {
	credentials: Credentials;
	parameters: IDataObject;
	staticData: IDataObject;
	headers: Record<string, string>;
	rawBody: Buffer;
}

export function webhookContext(options: WebhookOptions): {
	ctx: IWebhookFunctions;
	answer: Answer;
} {
	const answer: Answer = {};
	const headers = Object.fromEntries(
		Object.entries(options.headers).map(([k, v]) => [k.toLowerCase(), v]),
	);
	const response = {
		status(code: number) {
			answer.status = code;
			return response;
		},
		json(body: unknown) {
			answer.body = body;
			return response;
		},
		send(body: unknown) {
			answer.body = body;
			return response;
		},
		end() {
			return response;
		},
	};
	const ctx = {
		getNode: () => ({ ...NODE, name: 'Media Studio Trigger', parameters: options.parameters }),
		getNodeParameter: (name: string, fallback?: unknown) =>
			parameter(options.parameters, name, fallback),
		getWorkflowStaticData: () => options.staticData,
		getRequestObject: () => ({
			rawBody: options.rawBody,
			headers,
			body: JSON.parse(options.rawBody.toString('utf8')),
		}),
		getHeaderData: () => headers,
		getBodyData: () => JSON.parse(options.rawBody.toString('utf8')) as IDataObject,
		getResponseObject: () => response,
		getCredentials: async () => options.credentials,
		helpers: requestHelpers(options.credentials, []),
	};
	return { ctx: ctx as unknown as IWebhookFunctions, answer };
}
