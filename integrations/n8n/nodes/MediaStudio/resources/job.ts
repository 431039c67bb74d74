import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { Job } from '../../shared/api';
import { JOB_TYPES } from '../../shared/api';
import { fetchList } from '../../shared/lists';
import { studioRequest } from '../../shared/transport';
import type { Resource, Show } from '../descriptions';
import { jobOptions, listOptions, projectParameter } from '../descriptions';
import { locatorValue } from '../fields';
import { getJob, jobItem, waitForJob, waitSettings } from '../jobs';

const byId: Show = { resource: ['job'], operation: ['get', 'cancel', 'wait'] };
const get: Show = { resource: ['job'], operation: ['get'] };
const wait: Show = { resource: ['job'], operation: ['wait'] };
const listing: Show = { resource: ['job'], operation: ['list'] };

const JOB_STATUSES = ['queued', 'submitted', 'running', 'completed', 'failed', 'cancelled'];

const fields: INodeProperties[] = [
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: byId },
		description: 'E.g. the ID of a job returned by a previous Media Studio node.',
	},
	{
		displayName: 'Download Results',
		name: 'downloadResults',
		type: 'boolean',
		default: false,
		displayOptions: { show: get },
		description:
			'Whether to download a completed job\'s media as binary data (field "data", then "data_1"…)',
	},
	...jobOptions(wait, { callback: false, project: false }).filter(
		(field) => field.name === 'options',
	),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: listing },
		options: [
			projectParameter(),
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: JOB_STATUSES.map((status) => ({
					name: status[0].toUpperCase() + status.slice(1),
					value: status,
				})),
				default: 'completed',
			},
			{
				displayName: 'Type',
				name: 'type',
				type: 'options',
				options: JOB_TYPES,
				default: 'audio.synthesize',
			},
		],
	},
	...listOptions(listing),
];

export const job: Resource = {
	value: 'job',
	name: 'Job',
	operations: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['job'] } },
		options: [
			{
				name: 'Cancel',
				value: 'cancel',
				action: 'Cancel a job',
				description: 'Cancel a job that has not finished',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a job',
				description: 'A job with its result and assets',
			},
			{ name: 'List', value: 'list', action: 'List jobs', description: 'Your jobs, newest first' },
			{
				name: 'Wait',
				value: 'wait',
				action: 'Wait for a job',
				description: 'Wait until a job ends and return its result',
			},
		],
		default: 'cancel',
	},
	fields,
	handlers: {
		async get(ctx, i) {
			const found = await getJob(ctx, i, ctx.getNodeParameter('jobId', i) as string);
			return [
				await jobItem(ctx, i, found, ctx.getNodeParameter('downloadResults', i, false) as boolean),
			];
		},

		async cancel(ctx, i) {
			const jobId = ctx.getNodeParameter('jobId', i) as string;
			const response = await studioRequest<Job>(ctx, {
				method: 'POST',
				path: `/api/v1/jobs/${encodeURIComponent(jobId)}/cancel`,
				itemIndex: i,
			});
			return [{ json: response.body as unknown as IDataObject }];
		},

		async wait(ctx, i) {
			const found = await getJob(ctx, i, ctx.getNodeParameter('jobId', i) as string);
			return [await jobItem(ctx, i, await waitForJob(ctx, i, found, waitSettings(ctx, i, true)))];
		},

		async list(ctx, i) {
			const filters = ctx.getNodeParameter('filters', i, {}) as IDataObject;
			const qs: IDataObject = {};
			if (filters.status) qs.status = filters.status;
			if (filters.type) qs.type = filters.type;
			const project = locatorValue(ctx, 'filters.project', i);
			if (project) qs.project_id = project;
			const limit = ctx.getNodeParameter('returnAll', i, false)
				? Infinity
				: (ctx.getNodeParameter('limit', i, 50) as number);
			const jobs = await fetchList<Job>(ctx, '/api/v1/jobs', qs, limit, i);
			return jobs.map((entry) => ({ json: entry as unknown as IDataObject }));
		},
	},
};
