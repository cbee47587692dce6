package assistant

import "context"

// CallWith is Call counted against q instead of the Service's own quota,
// for a caller with limits of its own (the @ask bot has one limit for local
// users and another for accounts on other servers). The same refund rule
// applies.
func (s *Service) CallWith(ctx context.Context, q *Quota, accountID int64, f Feature, req Request) (string, error) {
	t, err := q.Take(ctx, accountID, f)
	if err != nil {
		return "", err
	}
	answer, err := s.Client.Chat(ctx, req)
	if err != nil && refundable(err) {
		if rerr := q.Refund(context.WithoutCancel(ctx), t); rerr != nil {
			s.log.Warn("assistant quota refund failed", "err", rerr)
		}
	}
	return answer, err
}
