import { DataSource } from 'typeorm';
import { loadEnv } from '../config/env';
import { dataSourceOptions } from './data-source';

/** The data source of TypeORM's own CLI (`npm run migration:generate -- src/core/database/migrations/Name`). */
export default new DataSource(dataSourceOptions(loadEnv()));
