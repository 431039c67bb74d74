import type { IDataObject, INodeProperties } from 'n8n-workflow';

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

const avatar: Show = { resource: ['video'], operation: ['createAvatar'] };
const animate: Show = { resource: ['video'], operation: ['animate'] };
const all: Show = { resource: ['video'], operation: ['createAvatar', 'animate'] };

const size = (displayName: string, name: string): INodeProperties => ({
	displayName,
	name,
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 1920 },
	default: 0,
	description: "An even number of pixels; 0: the backend's default",
});
const common: INodeProperties[] = [
	backendField('puppet or the neural talking head'),
	{
		displayName: 'FPS',
		name: 'fps',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 60 },
		default: 0,
		description: "0: the backend's default",
	},
	size('Height', 'height'),
	size('Width', 'width'),
];
const COMMON_NAMES = { backend: 'backend', fps: 'fps', height: 'height', width: 'width' };

const fields: INodeProperties[] = [
	...mediaInput('portrait', 'Portrait', 'an image with one face', avatar),
	...mediaInput(
		'audio',
		'Audio',
		'speech; generated speech brings word timings for the lips',
		avatar,
	),
	...mediaInput('image', 'Image', 'PNG, JPEG or WebP', animate),
	{
		displayName: 'Motion',
		name: 'motion',
		type: 'string',
		default: '',
		placeholder: 'slow zoom in',
		displayOptions: { show: animate },
	},
	{
		displayName: 'Duration (Seconds)',
		name: 'duration',
		type: 'number',
		typeOptions: { minValue: 0.5, maxValue: 60, numberPrecision: 1 },
		default: 5,
		displayOptions: { show: animate },
	},
	{ ...modelLocator('searchVideoModels'), displayOptions: { show: animate } },
	additionalFieldsFor(avatar, [
		...common,
		{
			displayName: 'Face Box',
			name: 'face',
			type: 'fixedCollection',
			default: {},
			description:
				'Where the face is, in portrait pixels: skips face detection (needed for portraits without a detectable face, such as draft images)',
			options: [
				{
					displayName: 'Box',
					name: 'box',
					values: [
						{
							displayName: 'X',
							name: 'x',
							type: 'number',
							typeOptions: { minValue: 0 },
							default: 0,
						},
						{
							displayName: 'Y',
							name: 'y',
							type: 'number',
							typeOptions: { minValue: 0 },
							default: 0,
						},
						{
							displayName: 'Width',
							name: 'width',
							type: 'number',
							typeOptions: { minValue: 1 },
							default: 256,
						},
						{
							displayName: 'Height',
							name: 'height',
							type: 'number',
							typeOptions: { minValue: 1 },
							default: 256,
						},
					],
				},
			],
		},
	]),
	additionalFieldsFor(animate, [...common, seedField]),
	...jobOptions(all),
];

export const video: Resource = {
	value: 'video',
	name: 'Video',
	operations: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['video'] } },
		options: [
			{
				name: 'Animate',
				value: 'animate',
				action: 'Animate an image',
				description: 'Animate a still image',
			},
			{
				name: 'Create Avatar',
				value: 'createAvatar',
				action: 'Create an avatar video',
				description: 'A lip-synced talking head from a portrait and speech',
			},
		],
		default: 'animate',
	},
	fields,
	handlers: {
		async createAvatar(ctx, i) {
			const project = projectOption(ctx, i);
			const body: IDataObject = {
				portrait_asset_id: await inputAssetId(ctx, i, 'portrait', project),
				audio_asset_id: await inputAssetId(ctx, i, 'audio', project),
				...additionalFields(ctx, i, COMMON_NAMES),
			};
			const face = (additionalFields(ctx, i, { face: 'face' }).face as IDataObject | undefined)
				?.box;
			if (face) body.face = face;
			return await runJob(ctx, i, '/api/v1/video/create-avatar', body);
		},

		async animate(ctx, i) {
			const body: IDataObject = {
				image_asset_id: await inputAssetId(ctx, i, 'image', projectOption(ctx, i)),
				motion: ctx.getNodeParameter('motion', i, '') as string,
				duration_seconds: ctx.getNodeParameter('duration', i, 5) as number,
				...additionalFields(ctx, i, { ...COMMON_NAMES, seed: 'seed' }),
			};
			const model = locatorValue(ctx, 'model', i);
			if (model) body.model = model;
			return await runJob(ctx, i, '/api/v1/video/animate', body);
		},
	},
};
