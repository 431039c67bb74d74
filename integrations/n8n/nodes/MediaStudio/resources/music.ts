import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { Job } from '../../shared/api';
import type { Resource, Show } from '../descriptions';
import { jobOptions } from '../descriptions';
import { additionalFields } from '../fields';
import { jobFields, jobItem, submitJob, waitSettings } from '../jobs';
import { audioFormat } from './speech';

const generate: Show = { resource: ['music'], operation: ['generate'] };

const fields: INodeProperties[] = [
	{
		displayName: 'Description',
		name: 'description',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		required: true,
		placeholder: 'calm warm piano',
		displayOptions: { show: generate },
		description: 'What the track should sound like',
	},
	{
		displayName: 'Duration (Seconds)',
		name: 'duration',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 600 },
		default: 30,
		displayOptions: { show: generate },
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: generate },
		options: [
			{
				displayName: 'Backend',
				name: 'backend',
				type: 'string',
				default: '',
				description: 'E.g. musicgen or synth; empty: the server default.',
			},
			audioFormat,
			{
				displayName: 'Seed',
				name: 'seed',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
			},
		],
	},
	...jobOptions(generate),
];

export const music: Resource = {
	value: 'music',
	name: 'Music',
	operations: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['music'] } },
		options: [
			{
				name: 'Generate',
				value: 'generate',
				action: 'Generate music',
				description: 'A music track from a description',
			},
		],
		default: 'generate',
	},
	fields,
	handlers: {
		async generate(ctx, i) {
			const body: IDataObject = {
				description: ctx.getNodeParameter('description', i) as string,
				duration_seconds: ctx.getNodeParameter('duration', i, 30) as number,
				...jobFields(ctx, i),
				...additionalFields(ctx, i, { backend: 'backend', format: 'format', seed: 'seed' }),
			};
			const settings = waitSettings(ctx, i);
			const { job } = await submitJob<Job>(
				ctx,
				i,
				{ path: '/api/v1/audio/generate-music', body },
				settings,
				(answer) => answer,
			);
			return [await jobItem(ctx, i, job)];
		},
	},
};
