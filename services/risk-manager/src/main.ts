import './instrument.js';
import { runService } from '@exchange/platform';

// Only health, readiness and metrics for now: this service's features come in a later issue.
void runService({ name: 'risk-manager', setup() {} });
