package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/branding"
)

// BrandingStore is branding.Store on DynamoDB: one item per tenant, TENANT#<id> / BRANDING, holding the text
// fields and the logo (at most 256 KiB, within an item's 400 KB). GetBranding reads it without the logo's bytes
// (a projection); each write is one UpdateItem that sets only its own attributes, filling in the defaults of
// attributes never set. Deleting the logo blanks its attributes (logoSize 0) rather than removing them, which the
// emulator the tests use cannot do.
type BrandingStore struct {
	c     Client
	table string
}

var _ branding.Store = (*BrandingStore)(nil)

// NewBrandingStore returns the branding store over the single table.
func NewBrandingStore(c Client, table string) *BrandingStore {
	return &BrandingStore{c: c, table: table}
}

const skBranding = "BRANDING"

type brandingItem struct {
	AppName       string `dynamodbav:"appName"`
	LogoText      string `dynamodbav:"logoText"`
	ShowLogoText  bool   `dynamodbav:"showLogoText"`
	Logo          []byte `dynamodbav:"logo,omitempty"`
	LogoMime      string `dynamodbav:"logoMime,omitempty"`
	LogoSize      int    `dynamodbav:"logoSize,omitempty"`
	LogoSHA256    string `dynamodbav:"logoSha256,omitempty"`
	LogoUpdatedAt string `dynamodbav:"logoUpdatedAt,omitempty"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
}

func (s *BrandingStore) get(ctx context.Context, tenantID, projection string) (brandingItem, bool, error) {
	in := &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), skBranding),
		ConsistentRead: aws.Bool(true)}
	if projection != "" {
		in.ProjectionExpression = aws.String(projection)
	}
	out, err := s.c.GetItem(ctx, in)
	if err != nil {
		return brandingItem{}, false, err
	}
	if len(out.Item) == 0 {
		return brandingItem{}, false, nil
	}
	var it brandingItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return brandingItem{}, false, fmt.Errorf("decode branding: %w", err)
	}
	return it, true, nil
}

func (s *BrandingStore) GetBranding(ctx context.Context, tenantID string) (branding.Branding, error) {
	it, ok, err := s.get(ctx, tenantID, "appName, logoText, showLogoText, logoMime, logoSize, logoSha256, logoUpdatedAt, updatedAt")
	if err != nil {
		return branding.Branding{}, fmt.Errorf("get branding: %w", err)
	}
	if !ok {
		return branding.Branding{}, branding.ErrNotSet
	}
	b := branding.Branding{TenantID: tenantID, AppName: it.AppName, LogoText: it.LogoText, ShowLogoText: it.ShowLogoText}
	if b.UpdatedAt, err = parseTime(it.UpdatedAt); err != nil {
		return branding.Branding{}, fmt.Errorf("branding: %w", err)
	}
	if it.LogoSize > 0 {
		l := &branding.LogoInfo{Mime: it.LogoMime, Size: it.LogoSize, SHA256: it.LogoSHA256}
		if l.UpdatedAt, err = parseTime(it.LogoUpdatedAt); err != nil {
			return branding.Branding{}, fmt.Errorf("branding logo: %w", err)
		}
		b.Logo = l
	}
	return b, nil
}

func (s *BrandingStore) update(ctx context.Context, tenantID, expr string, values map[string]types.AttributeValue) error {
	values[":entity"] = str("branding")
	values[":tenant"] = str(tenantID)
	_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), skBranding),
		UpdateExpression:          aws.String(expr + ", entity = :entity, tenantId = :tenant"),
		ExpressionAttributeValues: values})
	return err
}

func (s *BrandingStore) PutSettings(ctx context.Context, tenantID string, in branding.Settings, now time.Time) error {
	err := s.update(ctx, tenantID, "SET appName = :name, logoText = :text, showLogoText = :show, updatedAt = :at",
		map[string]types.AttributeValue{":name": str(in.AppName), ":text": str(in.LogoText),
			":show": &types.AttributeValueMemberBOOL{Value: in.ShowLogoText}, ":at": str(fmtTime(now))})
	if err != nil {
		return fmt.Errorf("put branding: %w", err)
	}
	return nil
}

func (s *BrandingStore) PutLogo(ctx context.Context, tenantID string, l branding.Logo) error {
	d := branding.Default(tenantID)
	err := s.update(ctx, tenantID, "SET logo = :logo, logoMime = :mime, logoSize = :size, logoSha256 = :sum, "+
		"logoUpdatedAt = :at, updatedAt = :at, appName = if_not_exists(appName, :name), "+
		"logoText = if_not_exists(logoText, :text), showLogoText = if_not_exists(showLogoText, :show)",
		map[string]types.AttributeValue{":logo": &types.AttributeValueMemberB{Value: l.Data}, ":mime": str(l.Mime),
			":size": num(int64(len(l.Data))), ":sum": str(l.SHA256), ":at": str(fmtTime(l.UpdatedAt)),
			":name": str(d.AppName), ":text": str(d.LogoText), ":show": &types.AttributeValueMemberBOOL{Value: d.ShowLogoText}})
	if err != nil {
		return fmt.Errorf("put logo: %w", err)
	}
	return nil
}

func (s *BrandingStore) GetLogo(ctx context.Context, tenantID string) (branding.Logo, error) {
	it, ok, err := s.get(ctx, tenantID, "")
	if err != nil {
		return branding.Logo{}, fmt.Errorf("get logo: %w", err)
	}
	if !ok || len(it.Logo) == 0 {
		return branding.Logo{}, branding.ErrNoLogo
	}
	l := branding.Logo{LogoInfo: branding.LogoInfo{Mime: it.LogoMime, Size: len(it.Logo), SHA256: it.LogoSHA256}, Data: it.Logo}
	if l.UpdatedAt, err = parseTime(it.LogoUpdatedAt); err != nil {
		return branding.Logo{}, fmt.Errorf("logo: %w", err)
	}
	return l, nil
}

func (s *BrandingStore) DeleteLogo(ctx context.Context, tenantID string, now time.Time) error {
	_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), skBranding),
		UpdateExpression: aws.String("SET updatedAt = :at, logo = :null, logoMime = :empty, logoSize = :zero, " +
			"logoSha256 = :empty, logoUpdatedAt = :empty"),
		ConditionExpression: aws.String("logoSize > :zero"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(fmtTime(now)), ":zero": num(0), ":empty": str(""),
			":null": &types.AttributeValueMemberNULL{Value: true}}})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("delete logo: %w", err)
	}
	return nil
}
