package mastoapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
)

// Routes mounts every client API route on r. The OAuth endpoints
// (/api/v1/apps, /oauth/*) are auth's; CORS is the server's middleware.
func (h *Handler) Routes(r *mux.Router) {
	const id = "/{id:[^/]+}"
	route := func(method, path string, fn handlerFunc) {
		r.Handle(path, h.api(fn)).Methods(method)
	}
	get := func(path string, fn handlerFunc) { route(http.MethodGet, path, fn) }
	post := func(path string, fn handlerFunc) { route(http.MethodPost, path, fn) }

	// Instance (instance.go).
	get("/api/v1/instance", h.instanceV1)
	get("/api/v2/instance", h.instanceV2)
	get("/api/v1/instance/rules", h.instanceRules)
	get("/api/v1/instance/peers", h.emptyList)
	get("/api/v1/instance/activity", h.emptyList)
	get("/api/v1/instance/extended_description", h.extendedDescription)
	get("/api/v1/instance/privacy_policy", h.privacyPolicy) // instance_extras.go
	get("/api/v1/instance/translation_languages", h.translationLanguages)
	get("/api/v1/instance/domain_blocks", h.instanceDomainBlocks)
	get("/api/v1/directory", h.directory) // directory.go

	// Accounts (accounts.go, relationships.go).
	get("/api/v1/accounts/verify_credentials", h.verifyCredentials)
	route(http.MethodPatch, "/api/v1/accounts/update_credentials", h.updateCredentials)
	get("/api/v1/accounts/relationships", h.relationships)
	get("/api/v1/accounts/lookup", h.lookupAccount)
	get("/api/v1/accounts/search", h.searchAccounts)
	get("/api/v1/accounts"+id, h.getAccount)
	get("/api/v1/accounts"+id+"/statuses", h.accountStatuses)
	get("/api/v1/accounts"+id+"/followers", h.followers)
	get("/api/v1/accounts"+id+"/following", h.following)
	get("/api/v1/accounts"+id+"/featured_tags", h.accountFeaturedTags)
	get("/api/v1/accounts"+id+"/lists", h.accountLists)
	post("/api/v1/accounts"+id+"/follow", h.follow)
	post("/api/v1/accounts"+id+"/unfollow", h.unfollow)
	post("/api/v1/accounts"+id+"/block", h.block)
	post("/api/v1/accounts"+id+"/unblock", h.unblock)
	post("/api/v1/accounts"+id+"/mute", h.mute)
	post("/api/v1/accounts"+id+"/unmute", h.unmute)
	post("/api/v1/accounts"+id+"/note", h.accountNote) // endorsements.go
	post("/api/v1/accounts"+id+"/pin", h.pinAccount)
	post("/api/v1/accounts"+id+"/unpin", h.unpinAccount)
	post("/api/v1/accounts"+id+"/remove_from_followers", h.removeFromFollowers)
	get("/api/v1/endorsements", h.endorsements)
	route(http.MethodDelete, "/api/v1/profile/avatar", h.deleteProfileImage(false))
	route(http.MethodDelete, "/api/v1/profile/header", h.deleteProfileImage(true))
	get("/api/v1/featured_tags", h.featuredTags) // featured_tags.go
	post("/api/v1/featured_tags", h.createFeaturedTag)
	get("/api/v1/featured_tags/suggestions", h.featuredTagSuggestions)
	route(http.MethodDelete, "/api/v1/featured_tags"+id, h.deleteFeaturedTag)
	get("/api/v1/blocks", h.blocks)
	get("/api/v1/mutes", h.mutes)
	get("/api/v1/follow_requests", h.followRequests)
	post("/api/v1/follow_requests"+id+"/authorize", h.authorizeFollowRequest)
	post("/api/v1/follow_requests"+id+"/reject", h.rejectFollowRequest)

	// Statuses (statuses.go, status_actions.go).
	post("/api/v1/statuses", h.createStatus)
	get("/api/v1/statuses"+id, h.getStatus)
	route(http.MethodPut, "/api/v1/statuses"+id, h.editStatus)
	route(http.MethodDelete, "/api/v1/statuses"+id, h.deleteStatus)
	get("/api/v1/statuses"+id+"/context", h.statusContext)
	get("/api/v1/statuses"+id+"/history", h.statusHistory)
	get("/api/v1/statuses"+id+"/source", h.statusSource)
	get("/api/v1/statuses"+id+"/favourited_by", h.favouritedBy)
	get("/api/v1/statuses"+id+"/reblogged_by", h.rebloggedBy)
	post("/api/v1/statuses"+id+"/favourite", h.statusActionOf(auth.ScopeWriteFavourites, (*social.Service).Favourite))
	post("/api/v1/statuses"+id+"/unfavourite", h.statusActionOf(auth.ScopeWriteFavourites, (*social.Service).Unfavourite))
	post("/api/v1/statuses"+id+"/reblog", h.statusActionOf(auth.ScopeWriteStatuses, (*social.Service).Reblog))
	post("/api/v1/statuses"+id+"/unreblog", h.statusActionOf(auth.ScopeWriteStatuses, (*social.Service).Unreblog))
	post("/api/v1/statuses"+id+"/bookmark", h.statusActionOf(auth.ScopeWriteBookmarks, (*social.Service).Bookmark))
	post("/api/v1/statuses"+id+"/unbookmark", h.statusActionOf(auth.ScopeWriteBookmarks, (*social.Service).Unbookmark))
	post("/api/v1/statuses"+id+"/pin", h.statusActionOf(auth.ScopeWriteAccounts, (*social.Service).Pin))
	post("/api/v1/statuses"+id+"/unpin", h.statusActionOf(auth.ScopeWriteAccounts, (*social.Service).Unpin))
	post("/api/v1/statuses"+id+"/mute", h.muteConversation)

	// Polls (polls.go).
	get("/api/v1/polls"+id, h.getPoll)
	post("/api/v1/polls"+id+"/votes", h.votePoll)
	post("/api/v1/statuses"+id+"/unmute", h.muteConversation)
	get("/api/v1/bookmarks", h.bookmarks)
	get("/api/v1/favourites", h.favourites)

	// Media (media.go).
	post("/api/v1/media", h.uploadMedia)
	post("/api/v2/media", h.uploadMedia)
	get("/api/v1/media"+id, h.getMedia)
	route(http.MethodPut, "/api/v1/media"+id, h.updateMedia)

	// Timelines, notifications, search (timelines.go, notifications.go, search.go).
	get("/api/v1/timelines/home", h.homeTimeline)
	get("/api/v1/timelines/public", h.publicTimeline)
	get("/api/v1/timelines/tag/{tag}", h.tagTimeline)
	get("/api/v1/timelines/list"+id, h.listTimeline)
	get("/api/v1/notifications", h.notifications)
	get("/api/v1/notifications"+id, h.getNotification)
	post("/api/v1/notifications/clear", h.clearNotifications)
	post("/api/v1/notifications"+id+"/dismiss", h.dismissNotification)
	get("/api/v2/search", h.search)
	get("/api/v1/search", h.search)
	post("/api/v1/reports", h.createReport) // reports.go

	// Lists and followed hashtags (lists.go, tags.go).
	get("/api/v1/lists", h.lists)
	post("/api/v1/lists", h.createList)
	get("/api/v1/lists"+id, h.getList)
	route(http.MethodPut, "/api/v1/lists"+id, h.updateList)
	route(http.MethodDelete, "/api/v1/lists"+id, h.deleteList)
	get("/api/v1/lists"+id+"/accounts", h.listAccounts)
	post("/api/v1/lists"+id+"/accounts", h.changeListAccounts)
	route(http.MethodDelete, "/api/v1/lists"+id+"/accounts", h.changeListAccounts)
	get("/api/v1/tags/{name}", h.getTag)
	post("/api/v1/tags/{name}/{action:follow|unfollow}", h.followTag)
	get("/api/v1/followed_tags", h.followedTags)

	// Keyword filters, v1 and v2 (filters.go, filters_children.go, filters_v1.go).
	h.filterRoutes(route)

	// Start-up endpoints with valid, mostly empty data (startup.go).
	get("/api/v1/custom_emojis", h.emptyList)
	get("/api/v1/markers", h.getMarkers)
	post("/api/v1/markers", h.setMarkers)
	get("/api/v1/preferences", h.preferences)
	get("/api/v1/announcements", h.announcements) // announcements.go
	post("/api/v1/announcements"+id+"/dismiss", h.dismissAnnouncement)
	route(http.MethodPut, "/api/v1/announcements"+id+"/reactions/{name}", h.announcementReaction)
	route(http.MethodDelete, "/api/v1/announcements"+id+"/reactions/{name}", h.announcementReaction)
	get("/api/v1/trends", h.trendingTags) // trends.go
	get("/api/v1/trends/tags", h.trendingTags)
	get("/api/v1/trends/statuses", h.trendingStatuses)
	get("/api/v1/trends/links", h.emptyList)
	get("/api/v1/suggestions", h.emptyListUser)
	get("/api/v2/suggestions", h.emptyListUser)
	get("/api/v1/conversations", h.conversations) // conversations.go
	route(http.MethodDelete, "/api/v1/conversations"+id, h.deleteConversation)
	post("/api/v1/conversations"+id+"/read", h.readConversation)
	get("/api/v1/scheduled_statuses", h.emptyListUser)
	get("/api/v1/domain_blocks", h.domainBlocks) // domain_blocks.go
	post("/api/v1/domain_blocks", h.changeDomainBlock)
	route(http.MethodDelete, "/api/v1/domain_blocks", h.changeDomainBlock)
	get("/api/v1/push/subscription", h.getPushSubscription) // push.go
	post("/api/v1/push/subscription", h.createPushSubscription)
	route(http.MethodPut, "/api/v1/push/subscription", h.updatePushSubscription)
	route(http.MethodDelete, "/api/v1/push/subscription", h.deletePushSubscription)

	// Streaming (streaming.go): server-sent events and WebSocket.
	r.Handle("/api/v1/streaming", h.api(h.stream)).Methods(http.MethodGet)
	r.Handle("/api/v1/streaming/", h.api(h.stream)).Methods(http.MethodGet)
	r.Handle("/api/v1/streaming/health", http.HandlerFunc(streamingHealth)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/api/v1/streaming/{stream:.+}", h.api(h.stream)).Methods(http.MethodGet)

	// Pictor's assistant (pictor_assistant.go), only when it is on.
	h.assistantRoutes(r)
}
