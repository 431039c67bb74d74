import type { IBinaryData, IBinaryKeyData, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError, randomString } from 'n8n-workflow';

import type { Asset } from '../shared/api';
import { studioRequest } from '../shared/transport';

/** Asset types worth handing to the next node (voice profiles and data files are internal). */
const MEDIA_TYPES = ['audio', 'image', 'video', 'subtitles'];

export interface FilePart {
	field: string;
	fileName: string;
	mimeType: string;
	data: Buffer;
}

/** A multipart/form-data body built by hand: the package has no runtime dependencies. */
export function multipart(
	fields: Record<string, string>,
	file: FilePart,
): { body: Buffer; contentType: string } {
	const boundary = `----MediaStudio${randomString(24)}`;
	const safe = (value: string) => value.replace(/["\r\n\\]/g, '_');
	const chunks: Buffer[] = [];
	for (const [name, value] of Object.entries(fields)) {
		chunks.push(
			Buffer.from(
				`--${boundary}\r\nContent-Disposition: form-data; name="${safe(name)}"\r\n\r\n${value}\r\n`,
			),
		);
	}
	chunks.push(
		Buffer.from(
			`--${boundary}\r\nContent-Disposition: form-data; name="${safe(file.field)}"; filename="${safe(file.fileName)}"\r\n` +
				`Content-Type: ${file.mimeType}\r\n\r\n`,
		),
		file.data,
		Buffer.from(`\r\n--${boundary}--\r\n`),
	);
	return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The bytes and name of an input item's binary property, with a clear error when it is missing. */
export async function inputFile(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
	field: string,
): Promise<FilePart> {
	const meta: IBinaryData = ctx.helpers.assertBinaryData(itemIndex, property);
	const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
	return {
		field,
		fileName: meta.fileName ?? `${property}${meta.fileExtension ? `.${meta.fileExtension}` : ''}`,
		mimeType: meta.mimeType || 'application/octet-stream',
		data,
	};
}

/** Upload an input item's binary property as an asset (the studio checks type and size). */
export async function uploadAsset(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
	projectId: string,
): Promise<Asset> {
	const file = await inputFile(ctx, itemIndex, property, 'file');
	const { body, contentType } = multipart(projectId ? { project_id: projectId } : {}, file);
	const response = await studioRequest<Asset>(ctx, {
		method: 'POST',
		path: '/api/v1/assets',
		body,
		headers: { 'Content-Type': contentType },
		itemIndex,
	});
	return response.body;
}

/**
 * An input medium given either as a binary property (uploaded first) or as an asset id.
 * Parameters are `<prefix>Source`, `<prefix>BinaryProperty` and `<prefix>AssetId`.
 */
export async function inputAssetId(
	ctx: IExecuteFunctions,
	itemIndex: number,
	prefix: string,
	projectId: string,
): Promise<string> {
	const source = ctx.getNodeParameter(`${prefix}Source`, itemIndex) as string;
	if (source === 'binary') {
		const property = ctx.getNodeParameter(`${prefix}BinaryProperty`, itemIndex) as string;
		return (await uploadAsset(ctx, itemIndex, property, projectId)).id;
	}
	const assetId = String(ctx.getNodeParameter(`${prefix}AssetId`, itemIndex, '')).trim();
	if (!assetId) {
		throw new NodeOperationError(ctx.getNode(), `No asset id given for the ${prefix}`, {
			itemIndex,
			description: 'Give the id of an uploaded or generated asset, e.g. {{ $json.assets[0].id }}.',
		});
	}
	return assetId;
}

/** Download one asset into n8n binary data (streamed by the gateway rather than redirected to S3). */
export async function downloadAsset(
	ctx: IExecuteFunctions,
	itemIndex: number,
	assetId: string,
): Promise<IBinaryData> {
	const response = await studioRequest<Buffer>(ctx, {
		method: 'GET',
		path: `/api/v1/assets/${encodeURIComponent(assetId)}/download`,
		qs: { mode: 'stream' },
		binary: true,
		itemIndex,
	});
	const disposition = String(response.headers['content-disposition'] ?? '');
	const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? assetId;
	const mimeType = String(response.headers['content-type'] ?? 'application/octet-stream').split(
		';',
	)[0];
	return await ctx.helpers.prepareBinaryData(Buffer.from(response.body), fileName, mimeType);
}

/**
 * A job's media outputs as binary properties: the first in `property`, the next in
 * `property_1`, `property_2`... (an image job with count 4 gives four).
 */
export async function assetBinaries(
	ctx: IExecuteFunctions,
	itemIndex: number,
	assets: Asset[],
	property: string,
): Promise<IBinaryKeyData> {
	const binary: IBinaryKeyData = {};
	const media = assets.filter((asset) => MEDIA_TYPES.includes(asset.type));
	for (const [index, asset] of media.entries()) {
		binary[index === 0 ? property : `${property}_${index}`] = await downloadAsset(
			ctx,
			itemIndex,
			asset.id,
		);
	}
	return binary;
}

/** The Options that say whether and where results land as binary data. */
export function downloadOptions(
	ctx: IExecuteFunctions,
	itemIndex: number,
): { download: boolean; property: string } {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return {
		download: (options.downloadResults ?? true) as boolean,
		property: String(options.binaryPropertyName ?? 'data') || 'data',
	};
}
