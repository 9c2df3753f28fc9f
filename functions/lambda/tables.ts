import { createDocumentClient } from '../providers/dynamodb';
import { tableStores } from '../wiring';
import { once, required } from './env';

/** Every store on the one table (they share its DynamoDB client); a function takes the ones it uses. */
export const tables = once(() => tableStores(createDocumentClient(), required('TABLE_NAME')));
