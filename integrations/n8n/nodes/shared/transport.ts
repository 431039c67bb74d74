import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	IN8nHttpFullResponse,
	IWebhookFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

export const CREDENTIAL_TYPE = 'mediaStudioApi';

export type StudioFunctions =
	| IExecuteFunctions
	| IHookFunctions
	| ILoadOptionsFunctions
	| IWebhookFunctions;

export interface StudioRequest {
	method: IHttpRequestMethods;
	/** Path under the base URL, e.g. "/api/v1/jobs". */
	path: string;
	qs?: IDataObject;
	/** JSON object, or ready bytes (multipart) with their Content-Type in `headers`. */
	body?: IDataObject | Buffer;
	headers?: IDataObject;
	/** Answer the raw bytes (downloads) instead of parsed JSON. */
	binary?: boolean;
	/** Statuses the caller handles itself rather than as an error (e.g. 404 in checkExists). */
	accept?: number[];
	itemIndex?: number;
}

export interface StudioResponse<T> {
	status: number;
	body: T;
	headers: IDataObject;
}

/** What the gateway says when something is wrong (RFC 9457 problem+json). */
interface Problem {
	title?: string;
	detail?: string;
	status?: number;
}

/**
 * One request to the studio with the credential's key. Every answer comes back as
 * a response (ignoreHttpStatusErrors), so errors are built here from the gateway's
 * problem+json detail, the same way under n8n and under the unit tests' stubs.
 */
export async function studioRequest<T>(
	ctx: StudioFunctions,
	request: StudioRequest,
): Promise<StudioResponse<T>> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
	const raw = Buffer.isBuffer(request.body);
	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${baseUrl}${request.path}`,
		qs: request.qs,
		headers: { Accept: request.binary ? '*/*' : 'application/json', ...request.headers },
		body: request.body,
		json: !raw && !request.binary,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	if (request.binary) options.encoding = 'arraybuffer';
	let response: IN8nHttpFullResponse;
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			options,
		)) as IN8nHttpFullResponse;
	} catch (error) {
		throw new NodeApiError(ctx.getNode(), error as JsonObject, {
			message: `Cannot reach Media Studio at ${baseUrl || '(no base URL)'}`,
			description: `${(error as Error).message}. Check the credential's Base URL and that the studio is running.`,
			itemIndex: request.itemIndex,
		});
	}
	const status = response.statusCode;
	const body = request.binary ? response.body : parseJson(response.body);
	if (status >= 400 && !request.accept?.includes(status)) {
		throw studioError(ctx.getNode(), status, body, request);
	}
	return { status, body: body as T, headers: response.headers as IDataObject };
}

/** Bodies arrive parsed under n8n, as text or bytes elsewhere (multipart requests). */
function parseJson(body: unknown): unknown {
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
	if (typeof text !== 'string' || text === '') return text;
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

const HINTS: Record<number, string> = {
	401: 'Check the API key in the Media Studio credential (make one with "studio keys create").',
	404: 'The id may be wrong, deleted, or belong to another API key.',
	413: 'The upload is larger than the studio accepts (STUDIO_MAX_UPLOAD_BYTES).',
	429: 'The studio is rate limiting this key; retry later or raise STUDIO_RATE_LIMITS.',
};

export function studioError(
	node: INode,
	status: number,
	body: unknown,
	request: Pick<StudioRequest, 'method' | 'path' | 'itemIndex'>,
): NodeApiError {
	const problem: Problem = typeof body === 'object' && body !== null ? (body as Problem) : {};
	const detail =
		problem.detail ?? (typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${status}`);
	return new NodeApiError(
		node,
		(typeof body === 'object' && body !== null ? body : {}) as JsonObject,
		{
			httpCode: String(status),
			message: `Media Studio: ${detail}`,
			description:
				`${request.method} ${request.path} answered ${status}. ${HINTS[status] ?? ''}`.trim(),
			itemIndex: request.itemIndex,
		},
	);
}

/**
 * Whether an answer means "this studio has no such route" (an older gateway) rather than
 * "no such thing": Litestar answers 405 for a known path with another method, and a
 * 404 whose detail is its bare "Not Found" for an unknown path.
 */
export function routeMissing(response: StudioResponse<unknown>): boolean {
	if (response.status === 405) return true;
	return response.status === 404 && (response.body as Problem | undefined)?.detail === 'Not Found';
}
