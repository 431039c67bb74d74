import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/**
 * The set entries of an "Additional Fields" collection under their API names
 * (`{ negativePrompt: 'x' }` → `{ negative_prompt: 'x' }`); empty strings mean "not given".
 */
export function additionalFields(
	ctx: IExecuteFunctions,
	itemIndex: number,
	apiNames: Record<string, string>,
): IDataObject {
	const collection = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const out: IDataObject = {};
	for (const [name, apiName] of Object.entries(apiNames)) {
		const value = collection[name];
		if (value !== undefined && value !== null && value !== '') out[apiName] = value;
	}
	return out;
}

/**
 * A resource locator's value ("" when empty), read without `extractValue` so it works the
 * same for top-level locators and for those inside a collection (`options.project`).
 */
export function locatorValue(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
	const raw = ctx.getNodeParameter(name, itemIndex, '') as unknown;
	const value = typeof raw === 'object' && raw !== null && 'value' in raw ? raw.value : raw;
	return String(value ?? '').trim();
}
