import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { Resource, Show } from '../descriptions';
import { projectParameter } from '../descriptions';
import { locatorValue } from '../fields';
import type { Asset } from '../../shared/api';
import { studioRequest } from '../../shared/transport';
import { downloadAsset, uploadAsset } from '../files';

const upload: Show = { resource: ['asset'], operation: ['upload'] };
const download: Show = { resource: ['asset'], operation: ['download'] };

const fields: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: upload },
		description:
			'Binary field with an image (PNG, JPEG, WebP) or audio (WAV, MP3, OGG, FLAC, M4A, WebM)',
	},
	{
		...projectParameter('File the upload under one of your projects (optional)'),
		displayOptions: { show: upload },
	},
	{
		displayName: 'Asset ID',
		name: 'assetId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: download },
		description: "E.g. the first of a previous Media Studio result's assets.",
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: download },
	},
];

export const asset: Resource = {
	value: 'asset',
	name: 'Asset',
	operations: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['asset'] } },
		options: [
			{
				name: 'Download',
				value: 'download',
				action: 'Download an asset',
				description: "An asset's bytes as binary data",
			},
			{
				name: 'Upload',
				value: 'upload',
				action: 'Upload an asset',
				description: 'Upload an image or audio file from a binary field',
			},
		],
		default: 'download',
	},
	fields,
	handlers: {
		async upload(ctx, i) {
			const uploaded = await uploadAsset(
				ctx,
				i,
				ctx.getNodeParameter('binaryPropertyName', i) as string,
				locatorValue(ctx, 'project', i),
			);
			return [{ json: uploaded as unknown as IDataObject }];
		},

		async download(ctx, i) {
			const assetId = String(ctx.getNodeParameter('assetId', i)).trim();
			const property = ctx.getNodeParameter('binaryPropertyName', i) as string;
			const path = `/api/v1/assets/${encodeURIComponent(assetId)}`;
			const meta = (await studioRequest<Asset>(ctx, { method: 'GET', path, itemIndex: i })).body;
			return [
				{
					json: meta as unknown as IDataObject,
					binary: { [property]: await downloadAsset(ctx, i, meta.id) },
				},
			];
		},
	},
};
