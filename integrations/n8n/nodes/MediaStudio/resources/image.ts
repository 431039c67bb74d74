import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Resource, Show } from '../descriptions';
import {
	additionalFieldsFor,
	backendField,
	jobOptions,
	mediaInput,
	modelLocator,
	seedField,
} from '../descriptions';
import { additionalFields, locatorValue } from '../fields';
import { inputAssetId } from '../files';
import { projectOption, runJob } from '../jobs';

const generate: Show = { resource: ['image'], operation: ['generate'] };
const edit: Show = { resource: ['image'], operation: ['edit'] };
const upscale: Show = { resource: ['image'], operation: ['upscale'] };
const all: Show = { resource: ['image'], operation: ['generate', 'edit', 'upscale'] };
const IMAGES = 'PNG, JPEG or WebP';

const imageFormat: INodeProperties = {
	displayName: 'Format',
	name: 'format',
	type: 'options',
	options: [
		{ name: 'PNG', value: 'png' },
		{ name: 'JPEG', value: 'jpeg' },
		{ name: 'WebP', value: 'webp' },
	],
	default: 'png',
};
const backend = backendField('diffusers or draft');
const steps: INodeProperties = {
	displayName: 'Steps',
	name: 'steps',
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 150 },
	default: 0,
	description: "0: the model's default",
};
const guidance: INodeProperties = {
	displayName: 'Guidance',
	name: 'guidance',
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 30, numberPrecision: 1 },
	default: 3.5,
};
const dimension = (displayName: string, name: string): INodeProperties => ({
	displayName,
	name,
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 2048 },
	default: 0,
	description: "A multiple of 16; 0: the model's default",
});

const fields: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		displayOptions: { show: generate },
		placeholder: 'portrait of a friendly presenter, studio light',
	},
	...mediaInput('image', 'Image', IMAGES, { resource: ['image'], operation: ['edit', 'upscale'] }),
	{
		displayName: 'Instruction',
		name: 'instruction',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		required: true,
		displayOptions: { show: edit },
		placeholder: 'make the sky a warm sunset',
	},
	{
		displayName: 'Factor',
		name: 'factor',
		type: 'options',
		options: [
			{ name: '2×', value: 2 },
			{ name: '4×', value: 4 },
		],
		default: 2,
		displayOptions: { show: upscale },
	},
	{ ...modelLocator('searchImageModels'), displayOptions: { show: all } },
	additionalFieldsFor(generate, [
		backend,
		{
			displayName: 'Count',
			name: 'count',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 4 },
			default: 1,
			description: 'Images to make (each a binary field)',
		},
		imageFormat,
		guidance,
		dimension('Height', 'height'),
		{ displayName: 'Negative Prompt', name: 'negativePrompt', type: 'string', default: '' },
		seedField,
		steps,
		dimension('Width', 'width'),
	]),
	additionalFieldsFor(edit, [
		backend,
		imageFormat,
		guidance,
		{
			displayName: 'Mask Asset ID',
			name: 'maskAssetId',
			type: 'string',
			default: '',
			description:
				'White areas are repainted; without a mask the instruction edits the whole image',
		},
		seedField,
		steps,
	]),
	additionalFieldsFor(upscale, [backend, imageFormat]),
	...jobOptions(all),
];

async function run(ctx: IExecuteFunctions, i: number, path: string, body: IDataObject) {
	const model = locatorValue(ctx, 'model', i);
	return await runJob(ctx, i, path, model ? { ...body, model } : body);
}

export const image: Resource = {
	value: 'image',
	name: 'Image',
	operations: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['image'] } },
		options: [
			{
				name: 'Edit',
				value: 'edit',
				action: 'Edit an image',
				description: 'Edit an image by instruction (or inpaint with a mask)',
			},
			{
				name: 'Generate',
				value: 'generate',
				action: 'Generate an image',
				description: 'Text to image',
			},
			{
				name: 'Upscale',
				value: 'upscale',
				action: 'Upscale an image',
				description: 'Upscale an image 2× or 4×',
			},
		],
		default: 'edit',
	},
	fields,
	handlers: {
		async generate(ctx, i) {
			return await run(ctx, i, '/api/v1/image/generate', {
				prompt: ctx.getNodeParameter('prompt', i) as string,
				...additionalFields(ctx, i, {
					backend: 'backend',
					count: 'count',
					format: 'format',
					guidance: 'guidance',
					height: 'height',
					negativePrompt: 'negative_prompt',
					seed: 'seed',
					steps: 'steps',
					width: 'width',
				}),
			});
		},

		async edit(ctx, i) {
			return await run(ctx, i, '/api/v1/image/edit', {
				image_asset_id: await inputAssetId(ctx, i, 'image', projectOption(ctx, i)),
				instruction: ctx.getNodeParameter('instruction', i) as string,
				...additionalFields(ctx, i, {
					backend: 'backend',
					format: 'format',
					guidance: 'guidance',
					maskAssetId: 'mask_asset_id',
					seed: 'seed',
					steps: 'steps',
				}),
			});
		},

		async upscale(ctx, i) {
			return await run(ctx, i, '/api/v1/image/upscale', {
				image_asset_id: await inputAssetId(ctx, i, 'image', projectOption(ctx, i)),
				factor: ctx.getNodeParameter('factor', i, 2) as number,
				...additionalFields(ctx, i, { backend: 'backend', format: 'format' }),
			});
		},
	},
};
