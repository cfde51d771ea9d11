import { Controller } from '@nestjs/common';

/** HTTP data endpoints: `POST /data/{sid}` and `GET /data/{sid}`. */
@Controller('data')
export class DataHttpController {}
