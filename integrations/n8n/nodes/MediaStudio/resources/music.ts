import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { Resource, Show } from '../descriptions';
import { additionalFieldsFor, backendField, jobOptions, seedField } from '../descriptions';
import { additionalFields } from '../fields';
import { runJob } from '../jobs';
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
	additionalFieldsFor(generate, [backendField('musicgen or synth'), audioFormat, seedField]),
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
				...additionalFields(ctx, i, { backend: 'backend', format: 'format', seed: 'seed' }),
			};
			return await runJob(ctx, i, '/api/v1/audio/generate-music', body);
		},
	},
};
