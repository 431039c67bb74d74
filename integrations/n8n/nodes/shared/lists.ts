import type { IDataObject } from 'n8n-workflow';

import type { StudioFunctions } from './transport';
import { studioRequest } from './transport';

/** The gateway's page size limit on list endpoints. */
export const MAX_PAGE = 200;

/** One page of a list endpoint; some answer an array, the jobs list a `{items}` page. */
export async function fetchPage<T>(
	ctx: StudioFunctions,
	path: string,
	qs: IDataObject,
	limit: number,
	offset: number,
	itemIndex?: number,
): Promise<T[]> {
	const response = await studioRequest<T[] | { items: T[] }>(ctx, {
		method: 'GET',
		path,
		qs: { ...qs, limit, offset },
		itemIndex,
	});
	return Array.isArray(response.body) ? response.body : response.body.items;
}

/** Up to `limit` entries (Infinity = all), page by page. */
export async function fetchList<T>(
	ctx: StudioFunctions,
	path: string,
	qs: IDataObject,
	limit: number,
	itemIndex?: number,
): Promise<T[]> {
	const all: T[] = [];
	while (all.length < limit) {
		const size = Math.min(MAX_PAGE, limit - all.length);
		const page = await fetchPage<T>(ctx, path, qs, size, all.length, itemIndex);
		all.push(...page);
		if (page.length < size) break;
	}
	return all;
}
