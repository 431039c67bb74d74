import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import type { Job } from '../shared/api';
import { TERMINAL_JOB_STATUSES } from '../shared/api';
import { studioError, studioRequest } from '../shared/transport';
import { locatorValue } from './fields';
import { assetBinaries, downloadOptions } from './files';

/** The gateway holds a request at most this long for `Prefer: wait` (docs/gateway.md, Jobs). */
const MAX_PREFER_WAIT_SECONDS = 60;
/** Statuses a generation endpoint answers when the job failed while the client waited. */
const FAILED_WHILE_WAITING = [409, 422, 429, 500, 502, 503];

export interface WaitSettings {
	wait: boolean;
	pollIntervalSeconds: number;
	maxWaitSeconds: number;
}

export function waitSettings(
	ctx: IExecuteFunctions,
	itemIndex: number,
	wait?: boolean,
): WaitSettings {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const pollIntervalSeconds = Number(options.pollInterval ?? 5);
	const maxWaitSeconds = Number(options.maxWaitTime ?? 600);
	if (!(pollIntervalSeconds >= 0.1) || !(maxWaitSeconds >= 1)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Poll Interval must be at least 0.1 s and Max Wait Time at least 1 s (got ${pollIntervalSeconds} and ${maxWaitSeconds})`,
			{ itemIndex },
		);
	}
	return {
		wait: wait ?? (ctx.getNodeParameter('waitForCompletion', itemIndex, true) as boolean),
		pollIntervalSeconds,
		maxWaitSeconds,
	};
}

/** The project chosen in Options, or "" for none. */
export function projectOption(ctx: IExecuteFunctions, itemIndex: number): string {
	return locatorValue(ctx, 'options.project', itemIndex);
}

/** Fields every generation request takes: the project to file it under and a per-job webhook. */
export function jobFields(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const fields: IDataObject = {};
	const projectId = projectOption(ctx, itemIndex);
	if (projectId) fields.project_id = projectId;
	const callbackUrl = String(options.callbackUrl ?? '').trim();
	if (callbackUrl) fields.webhook = { url: callbackUrl };
	return fields;
}

/** POST a generation request with the shared Options (project, callback) and return its item. */
export async function runJob(
	ctx: IExecuteFunctions,
	itemIndex: number,
	path: string,
	body: IDataObject,
): Promise<INodeExecutionData[]> {
	const settings = waitSettings(ctx, itemIndex);
	const request = { path, body: { ...body, ...jobFields(ctx, itemIndex) } };
	const { job } = await submitJob<Job>(ctx, itemIndex, request, settings, (answer) => answer);
	return [await jobItem(ctx, itemIndex, job)];
}

/**
 * POST a generation request. When waiting, the gateway itself holds the answer for
 * up to a minute (`Prefer: wait`), so short jobs need no polling at all.
 */
export async function submitJob<T>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	request: { path: string; body: IDataObject | Buffer; headers?: IDataObject },
	settings: WaitSettings,
	jobOf: (answer: T) => Job,
): Promise<{ answer: T; job: Job }> {
	const deadline = Date.now() + settings.maxWaitSeconds * 1000;
	const prefer = settings.wait
		? { Prefer: `wait=${Math.min(MAX_PREFER_WAIT_SECONDS, Math.ceil(settings.maxWaitSeconds))}` }
		: {};
	const response = await studioRequest<T>(ctx, {
		method: 'POST',
		path: request.path,
		body: request.body,
		headers: { ...request.headers, ...prefer },
		accept: settings.wait ? FAILED_WHILE_WAITING : [],
		itemIndex,
	});
	if (response.status >= 400) {
		const failed = (response.body as { job?: Job } | undefined)?.job;
		if (!failed) {
			throw studioError(ctx.getNode(), response.status, response.body, {
				method: 'POST',
				path: request.path,
				itemIndex,
			});
		}
		assertSucceeded(ctx, itemIndex, failed);
	}
	const job = jobOf(response.body);
	return {
		answer: response.body,
		job: settings.wait ? await waitForJob(ctx, itemIndex, job, settings, deadline) : job,
	};
}

export async function getJob(
	ctx: IExecuteFunctions,
	itemIndex: number,
	jobId: string,
): Promise<Job> {
	const response = await studioRequest<Job>(ctx, {
		method: 'GET',
		path: `/api/v1/jobs/${encodeURIComponent(jobId)}`,
		itemIndex,
	});
	return response.body;
}

/** Poll a job until it ends; a failed or cancelled job is an error naming the job and why. */
export async function waitForJob(
	ctx: IExecuteFunctions,
	itemIndex: number,
	job: Job,
	settings: WaitSettings,
	deadline = Date.now() + settings.maxWaitSeconds * 1000,
): Promise<Job> {
	let current = job;
	while (!TERMINAL_JOB_STATUSES.includes(current.status)) {
		await pause(
			ctx,
			itemIndex,
			deadline,
			settings,
			`job ${current.id} (${current.type}) is still ${current.status}`,
		);
		current = await getJob(ctx, itemIndex, current.id);
	}
	assertSucceeded(ctx, itemIndex, current);
	return current;
}

/** Sleep one poll interval, or fail when the deadline has passed or the execution was stopped. */
export async function pause(
	ctx: IExecuteFunctions,
	itemIndex: number,
	deadline: number,
	settings: WaitSettings,
	what: string,
): Promise<void> {
	const remaining = deadline - Date.now();
	if (remaining <= 0) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Stopped waiting after ${settings.maxWaitSeconds} s: ${what}`,
			{
				itemIndex,
				description:
					'It keeps running in the studio. Raise Max Wait Time, or turn off Wait for Completion and pick the result up later (Job → Wait, a Callback URL, or the Media Studio Trigger).',
			},
		);
	}
	await sleep(Math.min(settings.pollIntervalSeconds * 1000, remaining));
	if (ctx.getExecutionCancelSignal()?.aborted) {
		throw new NodeOperationError(ctx.getNode(), `The execution was stopped while ${what}`, {
			itemIndex,
		});
	}
}

function assertSucceeded(ctx: IExecuteFunctions, itemIndex: number, job: Job): void {
	if (job.status === 'completed') return;
	const why = job.error ? `${job.error.message} (${job.error.code})` : 'no reason given';
	throw new NodeOperationError(ctx.getNode(), `Job ${job.id} (${job.type}) ${job.status}: ${why}`, {
		itemIndex,
		description: 'The studio keeps the job: Job → Get shows its parameters and error.',
	});
}

/** A job as an output item: the job as JSON and, once it has completed, its media as binary data. */
export async function jobItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	job: Job,
	download = true,
): Promise<INodeExecutionData> {
	const files = downloadOptions(ctx, itemIndex);
	const item: INodeExecutionData = { json: job as unknown as IDataObject };
	if (download && files.download && job.status === 'completed') {
		item.binary = await assetBinaries(ctx, itemIndex, job.assets, files.property);
	}
	return item;
}
