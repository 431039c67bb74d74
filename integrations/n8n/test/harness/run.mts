/** Run the built nodes against the studio through the stub contexts. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { MediaStudio } from '../../dist/nodes/MediaStudio/MediaStudio.node.js';

import type { Credentials, Recorded } from './context.mts';
import { executeContext } from './context.mts';
import { studio } from './studio.mts';

export interface Run {
	items: INodeExecutionData[];
	requests: Recorded[];
}

export async function runNode(
	parameters: IDataObject,
	{
		items,
		credentials = studio,
		continueOnFail = false,
	}: { items?: INodeExecutionData[]; credentials?: Credentials; continueOnFail?: boolean } = {},
): Promise<Run> {
	const { ctx, requests } = executeContext({ credentials, parameters, items, continueOnFail });
	const [out] = await new MediaStudio().execute.call(ctx);
	return { items: out, requests };
}

/** The error a run throws (the test fails if it does not throw). */
export async function runError(
	parameters: IDataObject,
	options: { items?: INodeExecutionData[] } = {},
): Promise<{ error: Error & { description?: string; httpCode?: string }; requests: Recorded[] }> {
	const { ctx, requests } = executeContext({
		credentials: studio,
		parameters,
		items: options.items,
	});
	try {
		await new MediaStudio().execute.call(ctx);
	} catch (error) {
		return { error: error as Error, requests };
	}
	throw new Error(`expected the node to fail; it made ${requests.length} requests and succeeded`);
}

/** A resource locator value picked from a list, as n8n stores it. */
export const fromList = (value: string): IDataObject => ({ __rl: true, mode: 'list', value });

/** Options that keep polling quick in tests. */
export const quick: IDataObject = { pollInterval: 0.2, maxWaitTime: 60 };
