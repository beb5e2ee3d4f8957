package stack

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
)

// Alarm thresholds.
const (
	// api5xxPercent: the share of API requests answered 5xx over five minutes that pages.
	api5xxPercent = 5
	// deviceDBMinFreeBytes: free storage below this pages (storage autoscaling grows it too, up to
	// deviceDBMaxStore).
	deviceDBMinFreeBytes = 2 * 1024 * 1024 * 1024
	// deviceDBMaxCPU: CPU above this percentage for three five-minute periods pages.
	deviceDBMaxCPU = 80
	alarmPeriod    = 5 * time.Minute
)

// Metrics from logs (CloudWatch Logs metric filters on the JSON log lines), in metricNamespace.
const (
	metricNamespace = "WaQtor"
	// metricEvents counts published events by type (dimension Type), from eventbridge.PublishedLog lines.
	metricEvents = "EventsPublished"
	// metricWebhook* count webhook delivery outcomes, from the deliverer's log lines (shared/webhook/deliver.go).
	metricWebhookDelivered = "WebhookDelivered"
	metricWebhookRetried   = "WebhookAttemptFailed"
	metricWebhookFailed    = "WebhookFailed"
)

// webhookLogMetrics maps the deliverer's log messages to metrics; TestWebhookLogMetrics checks that
// shared/webhook still logs each message.
var webhookLogMetrics = map[string]string{
	"webhook: delivered":                                metricWebhookDelivered,
	"webhook: attempt failed, retrying":                 metricWebhookRetried,
	"webhook: delivery failed for good":                 metricWebhookFailed,
	"webhook: delivery not sent":                        metricWebhookFailed,
	"webhook: endpoint answered 410 Gone; disabling it": metricWebhookFailed,
}

// addAlarmTopic adds the SNS topic every alarm notifies (and, when it recovers, notifies again), with
// Props.AlarmEmail subscribed.
func (b *builder) addAlarmTopic() {
	b.alarmTopic = awssns.NewTopic(b.stack, jsii.String("Alarms"), &awssns.TopicProps{
		TopicName:   jsii.String(b.props.Prefix + "alarms"),
		DisplayName: jsii.String("WaQtor " + b.props.Prefix + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if b.props.AlarmEmail != "" {
		b.alarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(b.props.AlarmEmail), nil))
	}
	awscdk.NewCfnOutput(b.stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("the SNS topic every alarm notifies: subscribe the on-call address to it"),
		Value:       b.alarmTopic.TopicArn(),
	})
}

// alarm adds an alarm that notifies the alarm topic when it fires and when it recovers.
func (b *builder) alarm(id *string, props *awscloudwatch.AlarmProps) awscloudwatch.Alarm {
	a := awscloudwatch.NewAlarm(b.stack, id, props)
	action := awscloudwatchactions.NewSnsAction(b.alarmTopic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	return a
}

// addAlarms adds the alarms besides the dead-letter queues' (addQueues): every function's errors and throttles,
// the API's 5xx rate, the session host not running, the device database's free storage and CPU.
func (b *builder) addAlarms() {
	period := seconds(alarmPeriod)
	for _, f := range functions {
		fn, name := b.functions[f.Name], b.props.Prefix+f.Name
		b.alarm(constructID("ErrorsAlarm", f.Name), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(name + "-errors"),
			AlarmDescription:   jsii.String("function " + name + " failed invocations (a crash, a timeout, an error returned): read its log group"),
			Metric:             fn.MetricErrors(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}),
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		b.alarm(constructID("ThrottlesAlarm", f.Name), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(name + "-throttles"),
			AlarmDescription:   jsii.String("function " + name + " was throttled: the account's concurrency limit is reached"),
			Metric:             fn.MetricThrottles(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}),
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
	b.alarm(jsii.String("Api5xxAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(b.props.Prefix + "api-5xx"),
		AlarmDescription: jsii.String("more than 5 % of API requests answered 5xx over five minutes: read the api function's log group"),
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"errors":   b.httpAPI.MetricServerError(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}),
				"requests": b.httpAPI.MetricCount(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}),
			},
			Label:  jsii.String("5xx %"),
			Period: period,
		}),
		Threshold:          jsii.Number(api5xxPercent),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	b.alarm(jsii.String("SessionHostDownAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(b.props.Prefix + "session-host-down"),
		AlarmDescription: jsii.String("no session host task running for five minutes: no WhatsApp session is connected; see the service's events"),
		Metric:           b.runningTasks(period),
		Threshold:        jsii.Number(1),
		// No data means no task reported: as down as a zero.
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
	})
	b.alarm(jsii.String("DeviceDBStorageAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(b.props.Prefix + "device-db-storage"),
		AlarmDescription:   jsii.String("the device database has less than 2 GiB free"),
		Metric:             b.deviceDB.MetricFreeStorageSpace(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Minimum")}),
		Threshold:          jsii.Number(deviceDBMinFreeBytes),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
	})
	b.alarm(jsii.String("DeviceDBCPUAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(b.props.Prefix + "device-db-cpu"),
		AlarmDescription:   jsii.String("the device database's CPU above 80 % for 15 minutes (a burstable instance out of credits slows every session)"),
		Metric:             b.deviceDB.MetricCPUUtilization(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Average")}),
		Threshold:          jsii.Number(deviceDBMaxCPU),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(3),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// runningTasks is Container Insights' count of the session host's running tasks.
func (b *builder) runningTasks(period awscdk.Duration) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("ECS/ContainerInsights"),
		MetricName: jsii.String("RunningTaskCount"),
		DimensionsMap: &map[string]*string{
			"ClusterName": b.cluster.ClusterName(),
			"ServiceName": b.hostService.ServiceName(),
		},
		Statistic: jsii.String("Minimum"),
		Period:    period,
	})
}

// addMetricFilters turns log lines into the metrics of the dashboard: events published (by the API function and
// the session host, which publish what users see: messages sent and received, session status) and webhook
// delivery outcomes (the deliverer). The lines are JSON (slog), matched on their "msg".
func (b *builder) addMetricFilters() {
	for _, lg := range []struct {
		id  string
		grp awslogs.LogGroup
	}{{"Api", b.functionLogs[apiFunction]}, {"SessionHost", b.hostLogs}} {
		awslogs.NewMetricFilter(b.stack, jsii.String("EventsMetric"+lg.id), &awslogs.MetricFilterProps{
			LogGroup:        lg.grp,
			FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(eventbridge.PublishedLog)),
			MetricNamespace: jsii.String(metricNamespace),
			MetricName:      jsii.String(metricEvents),
			MetricValue:     jsii.String("$.count"),
			Dimensions:      &map[string]*string{"Type": jsii.String("$.type")},
		})
	}
	i := 0
	for _, msg := range slices.Sorted(maps.Keys(webhookLogMetrics)) {
		i++
		awslogs.NewMetricFilter(b.stack, jsii.String(fmt.Sprintf("WebhookMetric%d", i)), &awslogs.MetricFilterProps{
			LogGroup:        b.functionLogs["webhook-deliver"],
			FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(msg)),
			MetricNamespace: jsii.String(metricNamespace),
			MetricName:      jsii.String(webhookLogMetrics[msg]),
			MetricValue:     jsii.String("1"),
			DefaultValue:    jsii.Number(0),
		})
	}
}

// eventMetric is the count of published events of one type.
func eventMetric(typ string, period awscdk.Duration) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(metricNamespace), MetricName: jsii.String(metricEvents),
		DimensionsMap: &map[string]*string{"Type": jsii.String(typ)},
		Statistic:     jsii.String("Sum"), Period: period, Label: jsii.String(typ),
	})
}

func logMetric(name string, period awscdk.Duration) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(metricNamespace), MetricName: jsii.String(name),
		Statistic: jsii.String("Sum"), Period: period, Label: jsii.String(name),
	})
}

// addDashboard adds the dashboard of the product's key figures: messages sent and received, session status
// changes and the host's running tasks, webhook deliveries and failures, the age of the oldest message of every
// queue, the API's requests and errors, and every function's errors.
func (b *builder) addDashboard() {
	b.addMetricFilters()
	period := seconds(alarmPeriod)
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(12), Height: jsii.Number(6),
		})
	}
	var ages []awscloudwatch.IMetric
	for _, s := range b.props.Queues {
		ages = append(ages, b.queues[s.Name].MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{
			Period: period, Statistic: jsii.String("Maximum"), Label: jsii.String(s.Name),
		}))
	}
	var fnErrors []awscloudwatch.IMetric
	for _, f := range functions {
		fnErrors = append(fnErrors, b.functions[f.Name].MetricErrors(&awscloudwatch.MetricOptions{
			Period: period, Statistic: jsii.String("Sum"), Label: jsii.String(f.Name),
		}))
	}
	dash := awscloudwatch.NewDashboard(b.stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(b.props.Prefix + "overview"),
	})
	dash.AddWidgets(
		graph("Messages", eventMetric(event.MessageSent, period), eventMetric(event.MessageReceived, period),
			eventMetric(event.MessageFailed, period), eventMetric(event.MessageDelivered, period)),
		graph("Sessions: status changes, QR codes, running hosts", eventMetric(event.SessionStatus, period),
			eventMetric(event.SessionQR, period), b.runningTasks(period)),
	)
	dash.AddWidgets(
		graph("Webhook deliveries", logMetric(metricWebhookDelivered, period), logMetric(metricWebhookRetried, period),
			logMetric(metricWebhookFailed, period)),
		graph("Oldest message per queue (s)", ages...),
	)
	dash.AddWidgets(
		graph("API requests and errors",
			b.httpAPI.MetricCount(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum"), Label: jsii.String("requests")}),
			b.httpAPI.MetricServerError(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum"), Label: jsii.String("5xx")}),
			b.httpAPI.MetricClientError(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum"), Label: jsii.String("4xx")})),
		graph("Function errors", fnErrors...),
	)
	awscdk.NewCfnOutput(b.stack, jsii.String("DashboardName"), &awscdk.CfnOutputProps{Value: dash.DashboardName()})
}
